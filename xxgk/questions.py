"""The journalist questions (canned queries) whose answers must keep blanks apart from 0, read
years as a person types them, and say which rule failed in Chinese.

- A year parameter accepts 2022, 2022年 and 2022年度 (`YEAR_PARAM`).
- A sum over reports is blank (未填报) when no report filled the figure in, and
  `not_reported` counts the reports that left it blank: a blank is never added as 0.
- Failed consistency checks: one row per failed rule per report, the rule in Chinese, both
  sides of the equation named with their values.
"""
from __future__ import annotations

from storage.queries import IS_REPORT as _IS_REPORT  # reports only
from xxgk.labels import CHECK_NAMES, CHECK_SIDES, DEFAULT_SIDES

# '2022', '2022年', ' 2022年度 ' → 2022 (an integer, so it compares with report_year); '' → null.
YEAR_PARAM = "cast(nullif(rtrim(trim(:year), '年度 '), '') as integer)"


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _case(column: str, mapping: dict[str, str], default: str) -> str:
    whens = " ".join(f"when {_sql_text(k)} then {_sql_text(v)}" for k, v in mapping.items())
    return f"case {column} {whens} else {default} end"


APPLICATIONS_BY_AGENCY_SQL = f"""select agency, report_year, applications_received,
  applications_carried_over, applications_completed, carried_to_next_year, template, title,
  id as report_id
from reports
where {_IS_REPORT}
  and report_year = coalesce({YEAR_PARAM}, (select max(report_year) from reports
                                            where applications_received is not null))
order by applications_received is null, applications_received desc, agency"""

APPEALS_BY_AGENCY_SQL = f"""select agency, count(*) as reports, min(report_year) as first_year,
  max(report_year) as last_year, sum(reconsideration_total) as reconsiderations,
  sum(litigation_total) as lawsuits,
  sum(reconsideration_total) + sum(litigation_total) as total,
  sum(reconsideration_total is null or litigation_total is null) as not_reported
from reports
where {_IS_REPORT} and agency is not null
  and ({YEAR_PARAM} is null or report_year = {YEAR_PARAM})
group by agency
order by total is null, total desc, reconsiderations desc, agency"""


def _path_text(json_path: str) -> str:
    """A JSON array of labels as 'a › b' in SQL ('' when absent)."""
    return (f"coalesce(replace(replace(replace({json_path}, '[\"', ''), '\"]', ''), '\",\"', ' › '), '')")


_PLACE = ("trim(" + _path_text("json_extract(c.detail, '$.where.row')") + " || ' ' || "
          + _path_text("json_extract(c.detail, '$.where.column')") + ")")
_RULE = _case("c.[check]", CHECK_NAMES, "c.[check]")
_EXPECTED_SIDE = _case("c.[check]", {k: v[0] for k, v in CHECK_SIDES.items()}, _sql_text(DEFAULT_SIDES[0]))
_FOUND_SIDE = _case("c.[check]", {k: v[1] for k, v in CHECK_SIDES.items()}, _sql_text(DEFAULT_SIDES[1]))

INCONSISTENT_REPORTS_SQL = f"""select r.agency, r.report_year, {_RULE} as rule,
  group_concat({_PLACE}, '；') as places,
  group_concat({_EXPECTED_SIDE} || ' = ' || coalesce(c.expected, '未填报'), '；') as expected_side,
  group_concat({_FOUND_SIDE} || ' = ' || coalesce(c.found, '未填报'), '；') as found_side,
  json_extract(min(c.detail), '$.where.table') as table_name, r.template, r.title,
  c.[check] as [check], count(*) as places_count, r.id as report_id
from checks c join reports r on r.id = c.report_id
group by r.id, c.[check]
order by r.report_year desc, r.agency, r.id, min(c.seq)"""

# xxgk_change(old, new): ui.change_text, registered by the reader plugin on every connection.
CHANGED_REPORTS_SQL = """select r.agency, r.report_year, r.title, ch.version,
  v.first_seen as changed_at, ch.kind, ch.name, xxgk_change(ch.old, ch.new) as change,
  r.id as report_id
from report_changes ch join reports r on r.id = ch.report_id
left join report_versions v on v.report_id = ch.report_id and v.version = ch.version
order by v.first_seen desc, r.agency, ch.version, ch.rowid
limit 1000"""
