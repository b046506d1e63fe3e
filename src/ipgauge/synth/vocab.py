"""Word lists from which synthetic names, titles, marks and classifications are assembled.

Everything here is invented vocabulary; nothing names a real company, mark or product.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

TECH_ADJ = [
    "智能",
    "高效",
    "节能",
    "便携式",
    "自动",
    "多功能",
    "复合",
    "柔性",
    "低温",
    "高精度",
    "无线",
    "环保",
    "模块化",
    "新型",
    "轻量化",
    "耐腐蚀",
    "可降解",
    "分布式",
    "集成",
    "快速",
]
TECH_NOUN = [
    "控制系统",
    "检测装置",
    "电池隔膜",
    "数据处理方法",
    "机器人关节",
    "传感器",
    "光学镜头",
    "合金材料",
    "发酵工艺",
    "中药组合物",
    "通信方法",
    "图像识别方法",
    "换热器",
    "轴承",
    "农机具",
    "种植方法",
    "催化剂",
    "显示面板",
    "芯片封装结构",
    "储能装置",
    "医疗器械",
    "焊接工艺",
    "涂料",
    "水处理设备",
]
TECH_EFFECT = [
    "，提高了稳定性",
    "，降低了能耗",
    "，结构简单成本低",
    "，提升了检测精度",
    "，便于维护",
    "，延长了使用寿命",
]
FIRM_WORD = [
    "华",
    "鑫",
    "泰",
    "盛",
    "嘉",
    "瑞",
    "恒",
    "远",
    "丰",
    "博",
    "创",
    "达",
    "宏",
    "通",
    "金",
    "光",
    "云",
    "智",
    "星",
    "海",
    "龙",
    "源",
    "信",
    "德",
]
FIRM_SUFFIX = [
    "科技有限公司",
    "股份有限公司",
    "机械制造有限公司",
    "生物科技有限公司",
    "电子有限公司",
    "农业发展有限公司",
    "新材料有限公司",
    "软件有限公司",
]
UNI_SUFFIX = ["工业大学", "理工大学", "农业大学", "师范大学", "科技大学", "医科大学", "大学"]
INSTITUTE_FIELD = ["自动化", "应用化学", "金属", "光学精密机械", "地理", "农业科学", "能源", "生态"]
SURNAMES = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡", "郭", "林", "何"]
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英"]
STREETS = ["人民路", "中山路", "解放大街", "建设路", "和平街", "长江路", "黄河大道", "学府路", "科技园路", "新华街"]
MARK_CHARS = [
    "美",
    "佳",
    "康",
    "乐",
    "福",
    "欣",
    "悦",
    "green",
    "sun",
    "nova",
    "汇",
    "雅",
    "品",
    "优",
    "禾",
    "享",
    "bright",
    "easy",
    "天",
    "朗",
    "峰",
    "诺",
]
GI_PRODUCTS = [
    ("大米", "rice"),
    ("茶", "tea"),
    ("苹果", "apple"),
    ("人参", "ginseng"),
    ("木耳", "wood ear"),
    ("蜂蜜", "honey"),
    ("白酒", "baijiu"),
    ("小米", "millet"),
    ("大豆", "soybean"),
    ("羊肉", "mutton"),
    ("梨", "pear"),
    ("陶瓷", "ceramics"),
    ("刺绣", "embroidery"),
    ("枸杞", "goji"),
    ("蓝莓", "blueberry"),
]
GI_CATEGORY = {
    "大米": "grain",
    "小米": "grain",
    "大豆": "grain",
    "茶": "tea",
    "苹果": "fruit",
    "梨": "fruit",
    "蓝莓": "fruit",
    "枸杞": "fruit",
    "人参": "medicinal",
    "木耳": "fungi",
    "蜂蜜": "apiculture",
    "白酒": "liquor",
    "羊肉": "livestock",
    "陶瓷": "handicraft",
    "刺绣": "handicraft",
}
FOREIGN_COUNTRIES = {
    "US": 0.3,
    "JP": 0.25,
    "DE": 0.1,
    "KR": 0.1,
    "FR": 0.04,
    "CH": 0.04,
    "GB": 0.03,
    "NL": 0.03,
    "SE": 0.03,
    "HK": 0.03,
    "TW": 0.04,
    "MO": 0.01,
}
FOREIGN_FIRM = ["Advanced", "Global", "United", "Pacific", "Nordic", "Alpine", "Quantum", "Vertex", "Helix", "Orion"]
FOREIGN_SUFFIX = ["Inc.", "Corporation", "GmbH", "Co., Ltd.", "AG", "S.A.", "B.V.", "AB", "Ltd."]
#: IPC subclasses and their weight in filings, with a few main groups each (shape, not statistics).
IPC = {
    "G06F": 4,
    "H04L": 3,
    "H01L": 2,
    "G06N": 1,
    "G06T": 1,
    "H04W": 2,
    "A61K": 6,
    "A61B": 4,
    "C12N": 1,
    "B01D": 4,
    "B23K": 3,
    "B65G": 4,
    "C02F": 1,
    "C08L": 3,
    "C22C": 3,
    "E04B": 3,
    "F16H": 3,
    "G01N": 7,
    "G01R": 3,
    "G05B": 2,
    "H01M": 2,
    "H02J": 4,
    "A01B": 2,
    "A01G": 3,
    "A23L": 3,
    "B60L": 1,
    "B62D": 2,
    "C07D": 3,
    "F24F": 2,
    "H02K": 3,
    "B33Y": 1,
    "G16H": 2,
    "B25J": 1,
    "C01B": 2,
    "F03D": 1,
    "G02B": 3,
    "B21D": 2,
    "E21B": 2,
    "F16K": 2,
    "A47J": 2,
}
PATENT_FAMILY_OFFICES = ["US", "EP", "JP", "KR", "WO", "DE"]


def pick(rng: np.random.Generator, words: list[str], n: int) -> np.ndarray:
    """``n`` words drawn uniformly, as an object array."""
    return np.asarray(words, dtype=object)[rng.integers(0, len(words), n)]


def join(*parts: np.ndarray | pa.Array | str) -> pa.Array:
    """Element-wise string concatenation of arrays (and scalars)."""
    arrays = [p if isinstance(p, str) else pa.array(p, pa.string()) for p in parts]
    return pc.binary_join_element_wise(*arrays, "")
