"""Chinese text normalisation used for matching (labels and titles are stored as printed)."""
from __future__ import annotations

# Traditional → simplified, for the characters that occur in report labels and titles
# (mirror sites convert pages to traditional characters).
_TRAD_PAIRS = (
    "數数條条項项規规範范發发廢废現现處处決决許许罰罚強强製制費费額额單单萬万採采購购總总請请況况"
    "組组織织業业機机構构會会務务計计結结轉转辦办開开與与無无關关屬属國国護护權权類类內内資资過过"
    "執执詢询確确補补訪访舉举報报訴诉複复覆复議议維维糾纠審审經经後后減减對对實实際际標标準准繳缴"
    "納纳當当傳传網网絡络時时職职專专員员從从獲获認认區区這这應应統统係系預预號号險险穩稳問问題题"
    "門门檔档態态產产歸归廣广閱阅參参級级縣县鎮镇鄉乡衛卫財财稅税徵征狀状負负責责圍围覽览讀读記记"
    "錄录續续繼继論论證证書书種种樣样據据徑径達达並并沒没讓让為为違违檢检濟济個个隱隐於于祕秘納纳"
    "們们來来動动義义調调須须則则訊讯復复訟讼"
)
_TRAD = str.maketrans(_TRAD_PAIRS[0::2], _TRAD_PAIRS[1::2])


def to_simplified(text: str) -> str:
    return text.translate(_TRAD)
