"""Chinese names, GB 11643 ID numbers and mobile numbers, generated in bulk from numpy draws."""

from __future__ import annotations

import numpy as np

from layers.idnumber import CHECK_CHARS, WEIGHTS

# The commonest surnames with rough relative frequencies (per mille of the population).
SURNAMES = {
    "王": 72, "李": 72, "张": 68, "刘": 54, "陈": 46, "杨": 32, "黄": 24, "赵": 22, "吴": 20, "周": 20,
    "徐": 17, "孙": 16, "马": 15, "朱": 14, "胡": 13, "郭": 12, "何": 12, "林": 11, "高": 11, "罗": 11,
    "郑": 10, "梁": 9, "谢": 8, "宋": 8, "唐": 8, "许": 7, "韩": 7, "邓": 7, "冯": 7, "曹": 7,
    "彭": 7, "曾": 6, "肖": 6, "田": 6, "董": 6, "潘": 5, "袁": 5, "蔡": 5, "蒋": 5, "余": 5,
    "于": 5, "杜": 5, "叶": 5, "程": 5, "魏": 4, "苏": 4, "吕": 4, "丁": 4, "任": 4, "卢": 4,
    "姚": 4, "沈": 4, "钟": 4, "姜": 4, "崔": 3, "谭": 3, "陆": 3, "范": 3, "汪": 3, "廖": 3,
    "石": 3, "金": 3, "韦": 3, "贾": 3, "夏": 3, "付": 3, "方": 3, "邹": 3, "熊": 3, "白": 3,
    "孟": 2, "秦": 2, "邱": 2, "侯": 2, "江": 2, "尹": 2, "薛": 2, "闫": 2, "段": 2, "雷": 2,
    "龙": 2, "黎": 2, "史": 2, "陶": 2, "贺": 2, "毛": 2, "郝": 2, "顾": 2, "龚": 2, "邵": 2,
}

GIVEN_CHARS = {
    "M": "伟强磊军勇杰涛斌明超刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林欣志成建国文博思远晨阳子轩宏"
         "峰海亮振东国庆德胜永福荣兴",
    "F": "芳娜敏静丽艳娟霞秀英华玲萍红燕琳晶雪梅颖倩婷琴云莉兰凤洁慧蓉丹妍欣怡佳雨萱梓涵诗悦瑶"
         "桂珍淑春秀玉",
}
TWO_CHAR_SHARE = 0.78

# Real mobile prefixes of the three carriers: 1[3-9]x.
PHONE_PREFIXES = ("130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153",
                  "155", "156", "157", "158", "159", "166", "170", "173", "175", "176", "177", "178", "180",
                  "181", "182", "183", "185", "186", "187", "188", "189", "191", "193", "195", "198", "199")

PLACE_CHARS = "安平和兴丰太新永吉长青东西南北红星花园桥河坪湾坝岭沟岩口溪山石龙凤塘寺庄营关铺"


def person_names(sex: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A surname plus one or two given-name characters chosen by sex."""
    n = len(sex)
    surnames = np.array(list(SURNAMES))
    weights = np.array(list(SURNAMES.values()), dtype=float)
    family = surnames[rng.choice(len(surnames), size=n, p=weights / weights.sum())]
    pools = {s: np.array(list(chars)) for s, chars in GIVEN_CHARS.items()}
    first = np.empty(n, dtype=object)
    second = np.empty(n, dtype=object)
    for s, pool in pools.items():
        mask = sex == s
        first[mask] = pool[rng.integers(0, len(pool), size=int(mask.sum()))]
        second[mask] = pool[rng.integers(0, len(pool), size=int(mask.sum()))]
    two = rng.random(n) < TWO_CHAR_SHARE
    second[~two] = ""
    parts = zip(family.tolist(), first.tolist(), second.tolist(), strict=True)
    return np.array([f + a + b for f, a, b in parts], dtype=object)


def phones(n: int, rng: np.random.Generator) -> np.ndarray:
    prefix = np.array(PHONE_PREFIXES)[rng.integers(0, len(PHONE_PREFIXES), size=n)]
    rest = rng.integers(0, 100_000_000, size=n)
    return np.array([f"{p}{r:08d}" for p, r in zip(prefix.tolist(), rest.tolist(), strict=True)], dtype=object)


def place_name(rng: np.random.Generator, suffix: str) -> str:
    a, b = rng.choice(list(PLACE_CHARS), size=2, replace=False)
    return f"{a}{b}{suffix}"


class PlaceNames:
    """Town and village names for profiles without a fixed list."""

    @staticmethod
    def town_name(rng: np.random.Generator, number: int) -> str:
        return place_name(rng, "街道" if number < 2 else "镇")

    @staticmethod
    def village_name(rng: np.random.Generator, number: int) -> str:
        return place_name(rng, "社区" if number < 2 else "村")


def check_chars(first17: np.ndarray) -> np.ndarray:
    """Vectorised layers.idnumber.check_char over an (n, 17) digit matrix."""
    total = first17 @ np.array(WEIGHTS)
    return np.array(list(CHECK_CHARS))[total % 11]


def sequence_numbers(region: np.ndarray, birth: np.ndarray, male: np.ndarray,
                     rng: np.random.Generator) -> np.ndarray:
    """3-digit order codes, odd for men, unique within each (region, birth date, sex)."""
    order = np.lexsort((rng.random(len(region)), male, birth, region))
    r, b, m = region[order], birth[order], male[order]
    new_group = np.ones(len(order), dtype=bool)
    new_group[1:] = (r[1:] != r[:-1]) | (b[1:] != b[:-1]) | (m[1:] != m[:-1])
    starts = np.maximum.accumulate(np.where(new_group, np.arange(len(order)), 0))
    rank = np.arange(len(order)) - starts
    if rank.max(initial=0) >= 500:
        raise ValueError("more than 500 people share a region, birth date and sex")
    offset = rng.integers(0, 500, size=len(order))[starts]
    seq_sorted = 2 * ((rank * 37 + offset) % 500) + m.astype(np.int64)
    seq = np.empty_like(seq_sorted)
    seq[order] = seq_sorted
    return seq


def id_numbers(region: np.ndarray, birth_yyyymmdd: np.ndarray, male: np.ndarray,
               rng: np.random.Generator) -> np.ndarray:
    """GB 11643 numbers: region (6) + birth date (8) + order code (3) + check character."""
    seq = sequence_numbers(region, birth_yyyymmdd, male, rng)
    body = region.astype(np.int64) * 10**11 + birth_yyyymmdd.astype(np.int64) * 1000 + seq
    digits = (body[:, None] // 10 ** np.arange(16, -1, -1)[None, :]) % 10
    check = check_chars(digits)
    return np.array([f"{b:017d}{c}" for b, c in zip(body.tolist(), check.tolist(), strict=True)], dtype=object)
