"""Words the sample portal is made of: unit names, column names, title templates.

Everything is a plain list or dict so that a reader can see what a generated page may say; the
generator picks from these with its seeded random generator (never `random` module state).
"""

from __future__ import annotations

from demo import model as m

CITY = "江淮市"
CITY_ABBR = "江"

# City departments: (full name suffix, short name, 文号 prefix tail, has consultations, topics)
DEPARTMENTS: list[tuple[str, str, str]] = [
    ("发展和改革委员会", "发展改革委", "发改"),
    ("教育局", "教育局", "教"),
    ("科学技术局", "科技局", "科"),
    ("经济和信息化局", "经信局", "经信"),
    ("公安局", "公安局", "公"),
    ("民政局", "民政局", "民"),
    ("司法局", "司法局", "司"),
    ("财政局", "财政局", "财"),
    ("人力资源和社会保障局", "人社局", "人社"),
    ("自然资源和规划局", "自然资源和规划局", "自然资规"),
    ("生态环境局", "生态环境局", "环"),
    ("住房和城乡建设局", "住房城乡建设局", "建"),
    ("交通运输局", "交通运输局", "交"),
    ("水利局", "水利局", "水"),
    ("农业农村局", "农业农村局", "农"),
    ("商务局", "商务局", "商"),
    ("文化和旅游局", "文化旅游局", "文旅"),
    ("卫生健康委员会", "卫生健康委", "卫健"),
    ("退役军人事务局", "退役军人事务局", "退役"),
    ("应急管理局", "应急管理局", "应急"),
    ("审计局", "审计局", "审"),
    ("市场监督管理局", "市场监管局", "市监"),
    ("统计局", "统计局", "统"),
    ("医疗保障局", "医保局", "医保"),
    ("林业局", "林业局", "林"),
    ("数据资源管理局", "数据资源局", "数据"),
    ("城市管理局", "城管局", "城管"),
    ("体育局", "体育局", "体"),
    ("信访局", "信访局", "信"),
    ("人民防空办公室", "人防办", "人防"),
    ("粮食和物资储备局", "粮食储备局", "粮"),
    ("地方金融监督管理局", "金融监管局", "金"),
    ("投资促进局", "投资促进局", "投促"),
    ("公共资源交易监督管理局", "公管局", "公管"),
    ("机关事务管理局", "机关事务局", "机关"),
    ("民族宗教事务局", "民宗局", "民宗"),
    ("外事办公室", "外事办", "外"),
    ("档案局", "档案局", "档"),
    ("乡村振兴局", "乡村振兴局", "振兴"),
    ("国防动员办公室", "国动办", "国动"),
    ("住房公积金管理中心", "公积金中心", "金管"),
    ("供销合作社", "供销社", "供销"),
]

# Counties/districts: (name, abbreviation used in 文号)
COUNTIES: list[tuple[str, str]] = [
    ("东山区", "东"),
    ("西河县", "西"),
    ("南湖县", "南"),
    ("北岭县", "北"),
    ("青阳县", "青"),
    ("白石县", "白"),
    ("金桥区", "金"),
    ("柳溪县", "柳"),
    ("云台县", "云"),
    ("平川县", "平"),
    ("石门县", "石"),
    ("龙泉区", "龙"),
    ("桃源县", "桃"),
    ("松岗县", "松"),
]

TOWNSHIP_STEMS = [
    "城关",
    "青山",
    "白马",
    "杨柳",
    "石桥",
    "新集",
    "花园",
    "双河",
    "高庙",
    "李集",
    "孙岗",
    "马头",
    "丁集",
    "张店",
    "王圩",
    "陈村",
    "河口",
    "黄岗",
    "清水",
    "三里",
    "五里",
    "七星",
    "八里",
    "九龙",
    "长岭",
    "大桥",
    "小河",
    "东湖",
    "西山",
    "南塘",
    "北关",
    "安乐",
    "永安",
    "太平",
    "和平",
    "兴隆",
]
TOWNSHIP_KINDS = ["镇", "乡", "街道"]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = "建国志强明华文军伟芳秀英海涛晓红立新春梅丽娟国庆永平德胜光辉玉兰桂珍学军"

TOPICS = [
    "安全生产",
    "营商环境",
    "乡村振兴",
    "生态环境保护",
    "城市更新",
    "养老服务",
    "就业创业",
    "食品安全",
    "防汛抗旱",
    "森林防火",
    "科技创新",
    "招商引资",
    "文明创建",
    "数字政府",
    "河长制",
    "林长制",
    "城乡低保",
    "医疗保障",
    "义务教育",
    "住房保障",
    "消防安全",
    "农田水利",
    "产业发展",
    "项目建设",
    "信访维稳",
    "扫黑除恶",
    "优化营商环境",
    "公共文化服务",
    "交通运输",
    "市场监管",
    "质量提升",
    "节能降碳",
    "社会救助",
    "退役军人服务",
    "统计调查",
    "审计整改",
    "政务服务",
    "一网通办",
    "老旧小区改造",
    "人居环境整治",
]

SUBJECTS = [
    "综合政务",
    "国民经济管理",
    "财政、金融、审计",
    "城乡建设、环境保护",
    "农业、林业、水利",
    "教育",
    "卫生、体育",
    "劳动、人事、监察",
    "民政、扶贫、救灾",
    "科技",
    "商贸、海关、旅游",
    "公安、安全、司法",
    "工业、交通",
    "文化、广电、新闻出版",
]

# Township standard-directory areas (基层政务公开标准目录, 国办发〔2019〕54号).
TOWNSHIP_AREAS = ["社会救助", "养老服务", "涉农补贴", "农村危房改造", "安全生产", "救灾"]

# Column blueprint: (name, category, section, parent name or None, freshness-relevant).
# Which units get which column is decided in demo.generate by level.
GROUP_POLICY = "政策文件"
GROUP_KEY = "重点领域信息"
GROUP_TOWNSHIP = "基层政务公开标准目录"
GROUP_ORG = "机构信息"

COLUMN_NAMES = {
    m.RULES: "公开制度",
    m.GUIDE: "公开指南",
    m.ANNUAL_REPORT: "公开年报",
    "org": "机构职能",
    m.NEWS: "工作动态",
    m.NOTICE: "通知公告",
    m.NORMATIVE: "行政规范性文件",
    m.POLICY: "其他文件",
    m.INTERPRETATION: "政策解读",
    m.PERSONNEL: "人事信息",
    m.PLAN: "规划计划",
    m.BUDGET: "财政预决算",
    m.CONSULTATION: "意见征集",
    m.FEEDBACK: "意见反馈",
}

KEY_AREAS = {
    "air": ("环境空气质量", "month"),
    "water": ("饮用水水源水质", "quarter"),
}

# TRS path segments per category (column slugs).
SLUGS = {
    m.RULES: "gkzd",
    m.GUIDE: "gkzn",
    m.ANNUAL_REPORT: "gknb",
    "org": "jgzn",
    m.NEWS: "gzdt",
    m.NOTICE: "tzgg",
    m.NORMATIVE: "gfxwj",
    m.POLICY: "qtwj",
    m.INTERPRETATION: "zcjd",
    m.PERSONNEL: "rsxx",
    m.PLAN: "ghjh",
    m.BUDGET: "czyjs",
    m.CONSULTATION: "yjzj",
    m.FEEDBACK: "yjfk",
    "air": "kqzl",
    "water": "yysy",
}
AREA_SLUGS = {
    "社会救助": "shjz",
    "养老服务": "ylfw",
    "涉农补贴": "snbt",
    "农村危房改造": "ncwfgz",
    "安全生产": "aqsc",
    "救灾": "jz",
}

NEWS_TITLES = [
    "{short}召开{when}{topic}工作推进会",
    "{short}开展{when}{topic}专项检查",
    "{short}主要负责同志调研{when}{topic}工作",
    "{short}组织开展{when}{topic}业务培训",
    "{short}部署{when}{topic}重点任务",
    "{short}召开{when}{topic}工作座谈会",
    "{short}扎实推进{when}{topic}各项工作",
    "{short}举办{when}{topic}专题讲座",
    "{short}{when}{topic}工作取得阶段性成效",
    "{short}召开{when}{topic}工作调度会",
]
NOTICE_TITLES = [
    "关于做好{year}年{topic}工作的通知",
    "关于开展{topic}专项行动的通知",
    "关于{topic}有关事项的公告",
    "关于{year}年{topic}项目的公示",
    "关于召开{topic}工作会议的通知",
    "关于征集{topic}典型案例的通知",
]
POLICY_TITLES = [
    "{publisher}关于印发《{city}{topic}工作实施方案》的通知",
    "{publisher}关于进一步加强{topic}工作的意见",
    "{publisher}关于印发{city}{year}年{topic}工作要点的通知",
]
NORMATIVE_TITLES = [
    "{publisher}关于印发《{city}{topic}管理办法》的通知",
    "{publisher}关于印发《{city}{topic}实施细则》的通知",
    "{publisher}关于印发《{city}{topic}若干规定》的通知",
]
PERSONNEL_TITLES = [
    "{unit}{year}年公开招聘工作人员公告",
    "关于{person}等同志任职前公示",
    "{unit}{year}年公开遴选工作人员拟录用人员公示",
    "关于{person}同志职务任免的通知",
]
PLAN_TITLES = [
    "{unit}{year}年工作要点",
    "{unit}{year}年上半年工作总结",
    "{unit}{year}年工作总结和{next}年工作计划",
]
