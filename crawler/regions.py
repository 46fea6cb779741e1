"""Places by GB/T 2260 region code: province names by the first two digits, and the full
code table (crawler/gbt2260.tsv, data) to check the registry's codes against."""
from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Optional

PROVINCES: dict[str, str] = {
    "11": "北京市", "12": "天津市", "13": "河北省", "14": "山西省", "15": "内蒙古自治区",
    "21": "辽宁省", "22": "吉林省", "23": "黑龙江省", "31": "上海市", "32": "江苏省",
    "33": "浙江省", "34": "安徽省", "35": "福建省", "36": "江西省", "37": "山东省",
    "41": "河南省", "42": "湖北省", "43": "湖南省", "44": "广东省", "45": "广西壮族自治区",
    "46": "海南省", "50": "重庆市", "51": "四川省", "52": "贵州省", "53": "云南省",
    "54": "西藏自治区", "61": "陕西省", "62": "甘肃省", "63": "青海省", "64": "宁夏回族自治区",
    "65": "新疆维吾尔自治区", "71": "台湾省", "81": "香港特别行政区", "82": "澳门特别行政区",
}
# The 31 provincial-level divisions of the mainland (what "national coverage" means).
MAINLAND = tuple(k for k in PROVINCES if k < "70")
CENTRAL = "中央"
CODES_PATH = Path(__file__).with_name("gbt2260.tsv")

# 凉山彝族自治州 → 凉山, 禄劝彝族苗族自治县 → 禄劝, 广西壮族自治区 → 广西, 昆明市 → 昆明
_SUFFIX_RE = re.compile(r"^(.{2,}?)(?:[^族]{1,4}族|维吾尔|哈萨克|蒙古|柯尔克孜)*(?:自治州|自治县|自治旗|自治区|特别行政区|地区|盟|省|市|县|区|旗)$")


def province_of(region_code: Optional[str], level: Optional[str] = None) -> Optional[str]:
    if level == "central":
        return CENTRAL
    if not region_code:
        return None
    return PROVINCES.get(region_code[:2])


@functools.lru_cache(maxsize=1)
def codes() -> dict[str, str]:
    """Every GB/T 2260 code of the table: six digits → name."""
    out: dict[str, str] = {}
    for line in CODES_PATH.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            code, name = line.split("\t")
            out[code] = name
    return out


def name_of(region_code: Optional[str]) -> Optional[str]:
    return codes().get(region_code or "")


def short_name(name: str) -> str:
    """The name people write inside longer names: the place without its kind of division."""
    m = _SUFFIX_RE.match(name)
    return m.group(1) if m else name
