"""Chinese and English labels for the dashboard.

Every piece of text the dashboard shows comes from ``LABELS`` so that policy staff can read
the page in either language. Keys are short English identifiers; ``t(key, lang)`` looks one
up and falls back to English, then to the key itself, so a missing entry is visible but
never breaks the page.
"""

LANGUAGES = ("zh", "en")

LABELS: dict[str, dict[str, str]] = {
    # page
    "title": {
        "zh": "三社联动与五社联动：社区治理对照模拟",
        "en": "Three- vs five-actor linkage: community governance side by side",
    },
    "subtitle": {
        "zh": "两个社区使用同一随机种子和同一组参数同步运行，唯一的区别是联动方式；屏幕上的每一处差异都来自联动。",
        "en": "Both communities start from the same seed and the same parameters and step together; the linkage is the only difference, so every difference on screen comes from it.",
    },
    "language": {"zh": "English", "en": "中文"},  # the switch shows the *other* language
    "regime_three": {"zh": "三社联动", "en": "Three-actor linkage"},
    "regime_five": {"zh": "五社联动", "en": "Five-actor linkage"},
    "day": {"zh": "第 {day} 天", "en": "Day {day}"},
    "finished": {"zh": "（模拟结束）", "en": "(run finished)"},
    # controls
    "controls": {"zh": "运行控制", "en": "Run"},
    "step": {"zh": "单步", "en": "Step"},
    "play": {"zh": "播放", "en": "Play"},
    "pause": {"zh": "暂停", "en": "Pause"},
    "reset": {"zh": "重置", "en": "Reset"},
    "seed": {"zh": "随机种子", "en": "Seed"},
    "stride": {"zh": "每步前进", "en": "Each step"},
    "stride_day": {"zh": "1 天", "en": "1 day"},
    "stride_week": {"zh": "1 周", "en": "1 week"},
    "stride_month": {"zh": "30 天", "en": "30 days"},
    "scenario": {"zh": "情景预设", "en": "Scenario preset"},
    "levers": {"zh": "政策杠杆", "en": "Policy levers"},
    "pending_note": {
        "zh": "滑块和种子的改动在点击“重置”后生效。",
        "en": "Slider and seed changes take effect on Reset.",
    },
    "effective": {"zh": "当前运行使用的参数", "en": "Parameters of the current runs"},
    "download": {"zh": "下载逐日数据（CSV）", "en": "Download daily series (CSV)"},
    "error": {"zh": "出错：", "en": "Error: "},
    # parameters (slider labels)
    "n_residents": {"zh": "居民人数", "en": "Residents"},
    "volunteer_registration_share": {
        "zh": "志愿者招募（登记比例）",
        "en": "Volunteer recruitment (registered share)",
    },
    "individual_giving_yuan_per_capita": {
        "zh": "居民慈善捐赠（元/人/年）",
        "en": "Charity giving (yuan per resident per year)",
    },
    "coordination_cost_hours_per_channel": {
        "zh": "协调成本（小时/沟通渠道）",
        "en": "Coordination cost (hours per channel)",
    },
    "crowd_out_elasticity": {
        "zh": "捐赠挤出政府购买（弹性）",
        "en": "Crowd-out of government purchase (elasticity)",
    },
    "party_member_hours_per_day": {
        "zh": "党员下沉服务（小时/天/万居民）",
        "en": "Party-member volunteers (hours per day per 10,000 residents)",
    },
    "escalation_hazard_scale": {
        "zh": "纠纷升级风险（倍数）",
        "en": "Dispute escalation hazard (multiplier)",
    },
    "trust_shock_prob_per_year": {
        "zh": "慈善信任危机（次/年）",
        "en": "Charity trust shocks (per year)",
    },
    # parameters that presets change
    "share_60_plus": {"zh": "60 岁以上居民比例", "en": "Share of residents aged 60+"},
    "elderly_alone_share": {
        "zh": "独居老人比例（占 60+）",
        "en": "Older residents living alone (share of 60+)",
    },
    "dispute_rate_per_10k": {
        "zh": "纠纷发生率（起/万人/年）",
        "en": "Dispute onsets (per 10,000 residents per year)",
    },
    # network legend
    "network": {"zh": "居民关系网络", "en": "Resident network"},
    "legend_none": {"zh": "无事项", "en": "No open issue"},
    "legend_need": {"zh": "有未满足需求", "en": "Open need"},
    "legend_dispute_1": {"zh": "纠纷：摩擦", "en": "Dispute: friction"},
    "legend_dispute_2": {"zh": "纠纷：公开冲突", "en": "Dispute: open conflict"},
    "legend_dispute_3": {"zh": "纠纷：正式投诉", "en": "Dispute: formal complaint"},
    "legend_dispute_4": {"zh": "纠纷：诉至法院", "en": "Dispute: in court"},
    "legend_volunteer": {"zh": "活跃志愿者（绿圈）", "en": "Active volunteer (green ring)"},
    "sample_note": {
        "zh": "为保持流畅，网络图只画出 {shown} / {total} 名居民的抽样（每次重置固定）；图例中的人数统计全体居民。",
        "en": "To stay responsive the network shows a sample of {shown} of {total} residents (fixed at each reset); legend counts cover all residents.",
    },
    "all_note": {
        "zh": "网络图显示全部 {total} 名居民。",
        "en": "The network shows all {total} residents.",
    },
    # actors
    "actors": {"zh": "参与联动的主体", "en": "Linked actors"},
    "actor_platform": {
        "zh": "社区（居委会、党组织）",
        "en": "Community platform (residents' committee, Party branch)",
    },
    "actor_social_org": {"zh": "社会组织", "en": "Social organizations"},
    "actor_social_worker": {"zh": "社工", "en": "Social workers"},
    "actor_volunteer": {"zh": "社区志愿者", "en": "Community volunteers"},
    "actor_charity": {"zh": "社会慈善资源", "en": "Charity resources"},
    "actor_absent": {"zh": "未纳入", "en": "not linked"},
    # headline cards
    "headline": {"zh": "关键指标（截至今天）", "en": "Headline outcomes (to date)"},
    "card_unmet": {"zh": "未满足需求比例", "en": "Unmet needs"},
    "card_escalated": {"zh": "纠纷升级比例", "en": "Disputes escalated"},
    "card_court": {"zh": "诉讼（每万居民）", "en": "Court filings per 10,000"},
    "card_cost": {"zh": "每结案成本（元）", "en": "Cost per resolved case (yuan)"},
    "difference": {"zh": "五社 − 三社", "en": "five − three"},
    "better": {"zh": "五社更好", "en": "five better"},
    "worse": {"zh": "五社更差", "en": "five worse"},
    "same": {"zh": "持平", "en": "no difference"},
    # charts
    "charts": {"zh": "随时间变化", "en": "Over time"},
    "chart_unmet": {"zh": "未满足需求比例（累计）", "en": "Unmet-need share (cumulative)"},
    "chart_escalation": {"zh": "纠纷升级比例", "en": "Dispute escalation share"},
    "chart_axes": {"zh": "横轴：天；纵轴：比例", "en": "x: day; y: share"},
    "chart_empty": {"zh": "点击“单步”或“播放”开始。", "en": "Press Step or Play to start."},
    # presets
    "preset_default": {"zh": "默认社区", "en": "Default community"},
    "preset_ageing": {"zh": "老龄化社区", "en": "Ageing community"},
    "preset_disputes": {"zh": "纠纷多发社区", "en": "Many disputes"},
    "preset_donation_shock": {"zh": "捐赠信任危机", "en": "Donation shock"},
    "preset_large": {"zh": "大型社区（2000 人）", "en": "Large community (2,000)"},
}


def t(key: str, lang: str, **fields) -> str:
    """Return the label for ``key`` in ``lang``, with ``{fields}`` filled in."""
    entry = LABELS.get(key, {})
    text = entry.get(lang) or entry.get("en") or key
    return text.format(**fields) if fields else text
