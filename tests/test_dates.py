import pytest

from pipelines import dates
from pipelines.dates import find_dates, find_signed_date, parse_date, year_of


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2018-02-28", "2018-02-28"),
        ("2018-2-8", "2018-02-08"),
        ("2018/02/28", "2018-02-28"),
        ("2018.02.28", "2018-02-28"),
        ("2018年2月28日", "2018-02-28"),
        ("2018年02月28日", "2018-02-28"),
        ("2018 年 2 月 28 日", "2018-02-28"),
        ("2017年12月31 日止", "2017-12-31"),
        ("2018年2月8号", "2018-02-08"),
        ("2020-10-10 19:48:26", "2020-10-10"),
        ("2022-01-25 14:25", "2022-01-25"),
        ("２０１８年２月２８日", "2018-02-28"),
        ("２０１８－０２－２８", "2018-02-28"),
        ("二〇一八年二月二十七日", "2018-02-27"),  # 〇 U+3007
        ("二○一八年二月二十七日", "2018-02-27"),  # ○ U+25CB
        ("二零一八年二月二十七日", "2018-02-27"),
        ("二O一八年十月十日", "2018-10-10"),
        ("二Ｏ一八年十一月一日", "2018-11-01"),
        ("二〇一八年十二月三十一日", "2018-12-31"),
        ("二零一八年元月五日", "2018-01-05"),
        ("二〇二二年 一月 二十日", "2022-01-20"),
        ("成文日期：2018-02-28", "2018-02-28"),
        ("发布时间:2022-01-25 14:25:00 作者: 来源:", "2022-01-25"),
        ("索引号：000014349/2018-00222 发布日期：2018年12月29日", "2018-12-29"),
        ("info2018年2月28日", "2018-02-28"),
    ],
)
def test_parse_date_fast_path_forms(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "2018-02-30",
        "2018-13-01",
        "2018年13月1日",
        "二〇一八年二月三十日",
        "2019-02-29",
        "202111日",
        "202111日起至20211230日止",
        "1231日",
        "2018年2月",
        "昨天",
        "今天",
        "3 days ago",
        "garbage ¥¥ ###",
        "",
        "   ",
        "0563-3775089",
    ],
)
def test_parse_date_rejects_invalid_and_garbage(text):
    assert parse_date(text) is None


def test_leap_day_is_valid():
    assert parse_date("2020-02-29") == "2020-02-29"


@pytest.mark.parametrize(("text", "expected"), [("28 February 2018", "2018-02-28"), ("Feb 28, 2018", "2018-02-28")])
def test_parse_date_english_via_dateparser(text, expected):
    assert parse_date(text) == expected


def test_dateparser_settings_refuse_relative_dates():
    assert dates._dateparser_iso("昨天") is None


def test_dateparser_instance_is_cached():
    assert dates._date_parser() is dates._date_parser()


def test_stats_fast_path_does_not_call_dateparser():
    dates.reset_stats()
    parse_date("2018-02-28")
    parse_date("二〇一八年二月二十七日")
    assert (dates.STATS.fast_path, dates.STATS.dateparser_calls, dates.STATS.failures) == (2, 0, 0)


def test_stats_english_date_counts_one_dateparser_call():
    dates.reset_stats()
    parse_date("28 February 2018")
    assert dates.STATS.dateparser_calls == 1


def test_stats_broken_digit_run_fails_without_dateparser():
    dates.reset_stats()
    parse_date("202111日起至20211230日止")
    assert (dates.STATS.dateparser_calls, dates.STATS.failures) == (0, 1)


def test_reset_stats():
    parse_date("2018-02-28")
    dates.reset_stats()
    assert dates.STATS == dates.DateStats()


def test_find_dates_positions_and_order():
    text = "统计期限自2021年1月1日起至2021年12月31日止。二〇二二年一月二十日"
    assert find_dates(text) == [
        (5, 14, "2021-01-01"),
        (16, 27, "2021-12-31"),
        (29, 39, "2022-01-20"),
    ]


def test_find_dates_skips_invalid():
    assert [iso for _s, _e, iso in find_dates("2018-02-30 与 2018-03-01")] == ["2018-03-01"]


SIGNATURE_CASES = {
    "agency line then date line": (
        "五、其他需要报告的事项\n本机关无其他需要报告的事项。\n\n乌海市国资委\n2024年1月20日",
        "2024-01-20",
    ),
    "date in Chinese numerals": (
        "本年度无收费情况。\n    某某县人民政府办公室\n    二〇二二年一月二十日",
        "2022-01-20",
    ),
    "trailing blank lines": ("正文。\n某某镇人民政府\n2022 年 1 月 18 日\n\n   \n", "2022-01-18"),
    "agency and date on one line": ("正文。\n某某市统计局　2018年3月1日", "2018-03-01"),
    "date mid-sentence in prose": (
        "本报告统计期限自2021年1月1日起至2021年12月31日止，特此说明。\n如有疑问请联系我们",
        None,
    ),
    "prose ending with a date": ("报告所列数据统计期限自2021年1月1日起至2021年12月31日", None),
    "page chrome date with label": ("正文。\n发布时间:2022-01-25", None),
}


@pytest.mark.parametrize(("text", "expected"), list(SIGNATURE_CASES.values()), ids=list(SIGNATURE_CASES))
def test_find_signed_date(text, expected):
    assert find_signed_date(text) == expected


def test_find_signed_date_only_looks_at_the_tail():
    text = "某某局\n2022年1月20日\n" + "\n".join(f"第{i}段正文" for i in range(10))
    assert find_signed_date(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("乌海市国资委2023年政府信息公开工作年度报告", 2023),
        ("二〇一七年度政府信息公开工作年度报告", 2017),
        ("电话:0578-2090823，2016年度", 2016),
        ("1234 号 5678 件 2019年", 2019),
        ("２０２１年", 2021),
        ("没有年份", None),
        ("t20220125_3147941", None),
    ],
)
def test_year_of(text, expected):
    assert year_of(text) == expected
