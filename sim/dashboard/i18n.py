"""Chinese and English text for the dashboard and its exports.

Every piece of text the page, the CSV data dictionary and the one-page brief show comes from
here, so policy staff can read them in either language and neither page carries words of the
other. ``t(key, lang, **fields)`` looks a label up; metric, unit, regime and column texts have
their own tables because their keys come from the model (the metric catalogue
``sim.model.METRICS``, the regimes, the daily record). English metric titles are the
catalogue's own definitions; the Chinese ones are translations kept here, and a unit test
lists any metric, unit or column that lacks one.
"""

from __future__ import annotations

import logging

from sim.model import METRICS, PARAM_SPECS

LANGUAGES = ("zh", "en")
log = logging.getLogger("sim.dashboard")

LABELS: dict[str, dict[str, str]] = {
    # page
    "title": {
        "zh": "三社联动与五社联动：社区治理对照模拟",
        "en": "Three- vs five-actor linkage: community governance side by side",
    },
    "subtitle": {
        "zh": "各社区使用同一随机种子和同一组参数同步运行，唯一的区别是联动方式。",
        "en": "The communities start from the same seed and the same parameters and step "
        "together; the linkage is the only difference between them.",
    },
    "language": {"zh": "English", "en": "中文"},  # the switch shows the *other* language
    "language_name": {"zh": "切换到英文界面", "en": "Switch to the Chinese page"},
    "day": {"zh": "第 {day} 天", "en": "Day {day}"},
    "finished": {"zh": "（模拟结束）", "en": "(run finished)"},
    "sidebar_button": {"zh": "显示或隐藏控制栏", "en": "Show or hide the controls"},
    "progress": {"zh": "进度", "en": "Progress"},
    "credits": {"zh": "本页面基于 Mesa 与 Solara 构建。", "en": "Built with Mesa and Solara."},
    # controls
    "controls": {"zh": "运行控制", "en": "Run"},
    "step": {"zh": "单步", "en": "Step"},
    "play": {"zh": "播放", "en": "Play"},
    "pause": {"zh": "暂停", "en": "Pause"},
    "reset": {"zh": "重置", "en": "Reset"},
    "reset_pending": {"zh": "重置（应用改动）", "en": "Reset (apply changes)"},
    "seed": {"zh": "随机种子", "en": "Seed"},
    "seed_hint": {"zh": "0 到 4294967295 之间的整数", "en": "a whole number, 0 to 4294967295"},
    "stride": {"zh": "每步 / 每帧前进", "en": "Days per step / frame"},
    "stride_day": {"zh": "1 天", "en": "1 day"},
    "stride_week": {"zh": "7 天", "en": "7 days"},
    "stride_month": {"zh": "30 天", "en": "30 days"},
    "stride_note": {
        "zh": "播放时每画完一帧才前进下一帧；选 30 天约几秒走完一年。",
        "en": "Play advances only after the page has drawn the previous frame; at 30 days "
        "a year takes a few seconds.",
    },
    "scenario": {"zh": "情景预设", "en": "Scenario preset"},
    "pending_note": {
        "zh": "滑块、输入框和随机种子的改动在点击“重置”后生效，当前比较不会中途改变。",
        "en": "Changes to sliders, boxes and the seed apply on Reset, so a comparison in "
        "progress never changes halfway.",
    },
    "pending_count": {
        "zh": "有 {count} 项改动等待“重置”后生效。",
        "en": "{count} change(s) wait for Reset.",
    },
    "pending_chip": {"zh": "待重置", "en": "pending Reset"},
    "pending_value": {"zh": "当前运行：{value}", "en": "current runs: {value}"},
    "number_box": {"zh": "输入数值", "en": "Type a value"},
    "controls_regimes": {"zh": "对照社区（可选）", "en": "Control communities (optional)"},
    "controls_note": {
        "zh": "加入“三社联动 + 同等资源”的社区，把“更多资源”与“联动本身”区分开。",
        "en": "Add a three-actor community given the same resources as five, to tell "
        "\u201cmore resources\u201d apart from \u201clinkage\u201d.",
    },
    "effective": {"zh": "当前运行使用的参数", "en": "Parameters of the current runs"},
    "preset_current": {"zh": "情景", "en": "Preset"},
    "downloads": {"zh": "导出", "en": "Export"},
    "download_csv": {"zh": "下载逐日数据（CSV）", "en": "Download daily series (CSV)"},
    "download_dictionary": {"zh": "下载数据字典（中英对照）", "en": "Download data dictionary"},
    "download_pdf": {"zh": "导出一页简报（PDF）", "en": "Export one-page brief (PDF)"},
    "download_png": {"zh": "导出一页简报（PNG 图片）", "en": "Export one-page brief (PNG)"},
    "csv_empty": {
        "zh": "尚无逐日数据：先点击“单步”或“播放”运行至少一天。",
        "en": "No daily data yet: press Step or Play to run at least one day.",
    },
    # messages
    "notice_title": {"zh": "提示", "en": "Note"},
    "dismiss": {"zh": "知道了", "en": "Dismiss"},
    "error_generic": {
        "zh": "操作没有完成，当前运行保持不变。详细信息已写入服务器日志。",
        "en": "That did not work; the current runs are unchanged. Details are in the server log.",
    },
    "error_render": {
        "zh": "这一部分暂时无法显示。详细信息已写入服务器日志；点击“重置”可重新开始。",
        "en": "This part cannot be shown right now. Details are in the server log; press "
        "Reset to start again.",
    },
    "retry": {"zh": "重试", "en": "Try again"},
    "bad_integer": {
        "zh": "“{field}”须为 {low} 到 {high} 之间的整数，输入的“{value}”无效。",
        "en": "\u201c{field}\u201d must be a whole number from {low} to {high}; "
        "\u201c{value}\u201d is not.",
    },
    "bad_parameter": {
        "zh": "参数“{field}”不在允许范围内，未能重置。",
        "en": "Parameter \u201c{field}\u201d is out of its allowed range; nothing was reset.",
    },
    "fix_first": {
        "zh": "请先改正标红的输入，再点击“重置”。",
        "en": "Correct the field marked in red, then press Reset.",
    },
    "font_missing": {
        "zh": "无法导出中文简报：服务器缺少中文字体（请以管理员身份安装 fonts-wqy-microhei）。",
        "en": "The Chinese brief needs a Chinese font on the server (install fonts-wqy-microhei).",
    },
    # parameters (slider and box labels)
    "n_residents": {"zh": "居民人数", "en": "Residents"},
    "days": {"zh": "模拟天数", "en": "Days to simulate"},
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
    "communities": {
        "zh": "街道内的社区数（N 对比较时）",
        "en": "Communities in the street (for N pairs)",
    },
    "share_children": {"zh": "18 岁以下居民比例", "en": "Share of residents under 18"},
    "volunteer_active_share": {
        "zh": "登记志愿者中活跃的比例（开始时）",
        "en": "Registered volunteers who are active (at the start)",
    },
    "volunteer_hours_per_month": {
        "zh": "活跃志愿者每月服务时长（小时）",
        "en": "Hours an active volunteer offers (per month)",
    },
    "volunteer_quit_per_year": {
        "zh": "志愿者因搬家、工作等离开（次/人/年）",
        "en": "Volunteers leaving for life reasons (per person per year)",
    },
    "skilled_volunteer_share": {
        "zh": "受过调解或法律培训的志愿者比例",
        "en": "Volunteers trained to mediate (share)",
    },
    "government_purchase_yuan_per_10k": {
        "zh": "政府购买服务预算（元/万居民/年）",
        "en": "Government purchase budget (yuan per 10,000 residents a year)",
    },
    "corporate_to_individual_ratio": {
        "zh": "本地企业捐赠（为居民捐赠的倍数）",
        "en": "Local firms' giving (× residents' giving)",
    },
    "supermarket_yuan_per_10k": {
        "zh": "慈善超市物资（元/万居民/年）",
        "en": "Charity supermarket goods (yuan per 10,000 residents a year)",
    },
    "share_60_plus": {"zh": "60 岁以上居民比例", "en": "Share of residents aged 60+"},
    "elderly_alone_share": {
        "zh": "独居老人比例（占 60 岁以上）",
        "en": "Older residents living alone (share of 60+)",
    },
    "dispute_rate_per_10k": {
        "zh": "纠纷发生率（起/万人/年）",
        "en": "Dispute onsets (per 10,000 residents per year)",
    },
    "default_value": {"zh": "默认 {value}", "en": "default {value}"},
    # network legend
    "network_alt": {
        "zh": "{regime}的居民关系网络图，第 {day} 天：{counts}。",
        "en": "Resident network of {regime} on day {day}: {counts}.",
    },
    "legend_none": {"zh": "无事项", "en": "No open issue"},
    "legend_need": {"zh": "有未满足需求", "en": "Open need"},
    "legend_dispute_1": {"zh": "纠纷：摩擦", "en": "Dispute: friction"},
    "legend_dispute_2": {"zh": "纠纷：公开冲突", "en": "Dispute: open conflict"},
    "legend_dispute_3": {"zh": "纠纷：正式投诉", "en": "Dispute: formal complaint"},
    "legend_dispute_4": {"zh": "纠纷：诉至法院", "en": "Dispute: in court"},
    "legend_volunteer": {"zh": "活跃志愿者（蓝圈）", "en": "Active volunteer (blue ring)"},
    "sample_note": {
        "zh": "为保持流畅，网络图只画出 {shown} / {total} 名居民的抽样（每次重置固定）；"
        "图例中的人数统计全体居民。",
        "en": "To stay responsive the network shows a sample of {shown} of {total} residents "
        "(fixed at each reset); legend counts cover all residents.",
    },
    "all_note": {
        "zh": "网络图显示全部 {total} 名居民。",
        "en": "The network shows all {total} residents.",
    },
    # actors
    "actors": {"zh": "参与联动的主体", "en": "Linked actors"},
    "actor_absent": {"zh": "未纳入", "en": "not linked"},
    "actor_platform": {
        "zh": "社区（居委会、党组织）",
        "en": "Community platform (residents' committee, Party branch)",
    },
    "actor_social_org": {"zh": "社会组织", "en": "Social organizations"},
    "actor_social_worker": {"zh": "社工", "en": "Social workers"},
    "actor_volunteer": {"zh": "社区志愿者", "en": "Community volunteers"},
    "actor_charity": {"zh": "社会慈善资源", "en": "Charity resources"},
    "role_platform": {
        "zh": "受理居民的需求和纠纷，派单、协调各方；社区工作者的部分工时被行政事务占用，"
        "党员下沉增加服务时间；每多联动一类主体就多一份协调成本。",
        "en": "Takes in residents' needs and disputes, dispatches and coordinates; part of the "
        "staff's hours go to paperwork, Party members sent down add hours; every extra linked "
        "actor type adds coordination cost.",
    },
    "role_social_org": {
        "zh": "按政府购买服务合同提供照护等服务；合同分期续签，期间有空档；若有挤出效应，"
        "政府会按收到的慈善捐赠削减下一期合同。",
        "en": "Deliver care services bought by government purchase contracts, renewed in "
        "cycles with gaps; with crowd-out the government cuts the next contract by part of "
        "the charity money received.",
    },
    "role_social_worker": {
        "zh": "专业个案工作、心理支持和中期纠纷调解；人数少、能力强。",
        "en": "Professional case work, psychological support and mid-stage mediation; few "
        "and skilled.",
    },
    "role_volunteer": {
        "zh": "有时间的居民：日常服务、应急和早期纠纷调解；会倦怠流失，也会通过邻里关系招募新人；"
        "未经培训处理后期纠纷可能适得其反。",
        "en": "Residents with time: everyday services, emergencies and early mediation; they "
        "burn out and recruit through their ties; untrained, they can make late disputes worse.",
    },
    "role_charity": {
        "zh": "居民和本地企业的捐款、慈善超市的物资，用于困难居民的需求；受宣传和信任影响，"
        "丑闻会使信任骤降。",
        "en": "Money from residents and local firms and goods from the charity supermarket, "
        "spent on residents' needs; giving follows publicity and trust, and a scandal "
        "collapses trust.",
    },
    # headline cards
    "headline": {
        "zh": "关键指标（截至今天，累计）",
        "en": "Headline outcomes (cumulative to date)",
    },
    "headline_pairs": {"zh": "关键指标（N 对配对运行）", "en": "Headline outcomes (N pairs)"},
    "to_date": {"zh": "（截至今天累计）", "en": " (cumulative to date)"},
    "whole_run": {"zh": "（全期，{n} 对平均）", "en": " (whole run, mean of {n} pairs)"},
    "source_run": {
        "zh": "以下为单次运行的结果（每种联动方式一次），仅供参考，不足以下结论；"
        "点击“运行 N 对比较”获得置信区间。",
        "en": "These are one run per community: a single draw, not a verdict. Use \u201cRun N "
        "pairs\u201d for intervals.",
    },
    "source_pairs": {
        "zh": "以下为 {n} 对配对运行（第 {days} 天结束）的平均值，括号内为差值的 95% 置信区间。",
        "en": "Means over {n} paired runs (to day {days}), with the 95% interval of the "
        "difference.",
    },
    "pairs_stale": {
        "zh": "已有的 {n} 对比较结果对应另一组设置，未在此显示；请重新运行。",
        "en": "The {n}-pair results were for other settings and are not shown; run them again.",
    },
    "difference": {"zh": "{b} − {a}", "en": "{b} − {a}"},
    "one_run": {"zh": "单次运行", "en": "one run"},
    "pp": {"zh": " 个百分点", "en": " percentage points"},
    "interval": {
        "zh": "95% 置信区间 {low} 至 {high}{unit}",
        "en": "95% interval {low} to {high}{unit}",
    },
    "bwe": {
        "zh": "{n} 对中五社更好 {b} 对、持平 {e} 对、更差 {w} 对",
        "en": "of {n} pairs, five better in {b}, equal in {e}, worse in {w}",
    },
    "bwe_control": {
        "zh": "{n} 对中五社比{a}更好 {b} 对、持平 {e} 对、更差 {w} 对",
        "en": "of {n} pairs, five better than {a} in {b}, equal in {e}, worse in {w}",
    },
    "verdict_better": {"zh": "{b}更好", "en": "{b} better"},
    "verdict_worse": {"zh": "{b}更差", "en": "{b} worse"},
    "verdict_same": {"zh": "没有差别", "en": "no difference"},
    "verdict_unclear": {
        "zh": "差别不明确（区间包含 0）",
        "en": "no clear difference (the interval includes zero)",
    },
    "verdict_too_few": {
        "zh": "事件太少，不下结论（{events}：{counts}；至少需要各 {min}）",
        "en": "too few events for a verdict ({events}: {counts}; needs {min} each)",
    },
    "verdict_years": {
        "zh": "（已模拟 {have} 个社区年；{years}）",
        "en": " ({have} community-years simulated; {years})",
    },
    "verdict_no_data": {"zh": "暂无数据", "en": "no data yet"},
    "verdict_not_judged": {"zh": "辅助统计，不评判好坏", "en": "a supporting count, not judged"},
    "run_prefix": {"zh": "本次单次运行：", "en": "In this one run: "},
    # N pairs
    "pairs": {"zh": "配对比较", "en": "Paired comparison"},
    "pairs_count": {"zh": "配对数 N", "en": "Pairs N"},
    "pairs_run": {"zh": "运行 {n} 对比较", "en": "Run {n} pairs"},
    "pairs_cancel": {"zh": "取消", "en": "Cancel"},
    "pairs_note": {
        "zh": "对当前设置跑 N 对配对运行：每对中三社与五社使用同一随机种子（由当前随机种子派生），"
        "先得出差别，再运行对照社区，说明差别有多少来自资源、分派方式和联动本身。",
        "en": "Runs N pairs of the current settings: both communities of a pair share a seed "
        "(derived from the page's seed). First the difference, then the control communities "
        "that say how much of it is resources, routing and linkage itself.",
    },
    "pairs_progress": {"zh": "已完成 {done} / {total} 次运行", "en": "{done} of {total} runs done"},
    "pairs_left": {"zh": "，约还需 {left}", "en": ", about {left} left"},
    "pairs_stage_1": {
        "zh": "第一步：三社与五社的配对运行",
        "en": "Step 1: the pairs of three and five",
    },
    "pairs_stage_2": {
        "zh": "第二步：对照社区（资源、分派方式、联动本身）",
        "en": "Step 2: the control communities (resources, routing, linkage)",
    },
    "seconds": {"zh": "{n} 秒", "en": "{n} s"},
    "minutes": {"zh": "{n} 分钟", "en": "{n} min"},
    "pairs_done": {
        "zh": "已完成 {n} 对比较；卡片显示置信区间。",
        "en": "{n} pairs done; the cards show intervals.",
    },
    "pairs_cancelled": {
        "zh": "已取消，未保存部分结果。",
        "en": "Cancelled; partial results were discarded.",
    },
    "pairs_cancelled_split": {
        "zh": "已取消对照社区；保留 {n} 对三社与五社的结果（没有差别来源的拆分）。",
        "en": "Control communities cancelled; the {n} pairs of three and five are kept "
        "(without the split).",
    },
    "pairs_restored": {
        "zh": "已载入此前对这组设置运行的 {n} 对结果。",
        "en": "Loaded the {n} pairs run earlier for these settings.",
    },
    "ladder_ask": {
        "zh": "同时拆分联动本身的各项机制（每对 {runs} 次运行，较慢）",
        "en": "Also split linkage itself into its mechanisms ({runs} runs per pair; slower)",
    },
    "pairs_cost": {
        "zh": "每对 {runs} 次运行：三社、五社和三个对照社区。",
        "en": "{runs} runs per pair: three, five and three control communities.",
    },
    "pairs_failed": {
        "zh": "配对比较未能完成。详细信息已写入服务器日志。",
        "en": "The paired comparison did not finish. Details are in the server log.",
    },
    "pairs_busy": {"zh": "配对比较正在运行。", "en": "A paired comparison is already running."},
    # charts
    "charts": {"zh": "随时间变化", "en": "Over time"},
    "chart_axes": {"zh": "横轴：天；纵轴：比例", "en": "x: day; y: share"},
    "chart_alt": {
        "zh": "折线图：{title}。{values}",
        "en": "Line chart: {title}. {values}",
    },
    "chart_alt_values": {
        "zh": "{regime}第 {day} 天为 {value}",
        "en": "{regime} {value} on day {day}",
    },
    "marker_trust": {"zh": "竖虚线：慈善信任危机", "en": "dashed line: charity trust crisis"},
    "marker_emergency": {"zh": "竖点线：突发事件", "en": "dotted line: emergency"},
    "event_trust": {"zh": "慈善信任危机", "en": "charity trust crisis"},
    "event_emergency": {"zh": "突发事件", "en": "emergency"},
    "markers_seen": {"zh": "本次运行中：{list}", "en": "In this run: {list}"},
    "marker_day": {"zh": "第 {day} 天", "en": "day {day}"},
    # explanations
    "explain": {"zh": "这些指标是什么意思？", "en": "What does this mean?"},
    "explain_metrics": {"zh": "指标", "en": "Metrics"},
    "explain_actors": {"zh": "各主体在模型中做什么", "en": "What each actor does in the model"},
    "explain_presets": {"zh": "各情景预设改变了什么", "en": "What each preset changes"},
    "explain_regimes": {"zh": "对照社区", "en": "Control communities"},
    "explain_reading": {"zh": "怎样读这些结果", "en": "How to read the results"},
    "explain_reading_text": {
        "zh": "单次运行只是一次随机抽样：两社区遇到的需求、纠纷和冲击完全相同，但结果仍有偶然性。"
        "配对比较把同一设置跑 N 对，给出差值的平均值和 95% 置信区间：区间不含 0 才说明有差别。"
        "事件太少（例如只有几起诉讼）时，任何比例都不可靠，页面不下结论。",
        "en": "One run is a single random draw: both communities face the same needs, "
        "disputes and shocks, yet the outcome still has luck in it. The paired comparison "
        "runs N pairs of the same settings and gives the mean difference with its 95% "
        "interval; only an interval that excludes zero shows a difference. With too few "
        "events (a handful of court cases, say) no share is reliable, and the page gives no "
        "verdict.",
    },
    "explain_decision": {
        "zh": "结论、差别来源与关键假设",
        "en": "Bottom line, its reasons, and what decides it",
    },
    "explain_decision_text": {
        "zh": "结论只来自 N 对配对运行，从不来自单次运行。"
        "每对中还运行三个对照社区：三社联动获得五社联动实际调动的同等资源，"
        "先经政府购买渠道（受合同范围和时序限制），再不受限制，"
        "最后按五社联动同样的匹配规则分配但没有联动本身。"
        "相邻对照社区的差值把“五社 − 三社”拆成资源、分派方式和联动本身三部分，"
        "每一部分都有自己的 95% 置信区间，"
        "各部分在每一对中正好加总为总差值；"
        "勾选“拆分联动本身”后，联动本身再按各项机制（收益与成本）拆开。"
        "纠纷类指标事件少：卡片会说明已模拟多少个社区年、按当前频率大约需要多少个社区年才能下结论，"
        "可增加街道内的社区数或配对数。"
        "“哪个假设决定结论”让一个假设在其有依据的范围内变化，看差值在何处变号（盈亏平衡点），"
        "以及当前设置在哪一侧。",
        "en": "The bottom line comes only from N pairs, never from one run. Each pair also runs "
        "three control communities: three-actor linkage given the resources five actually "
        "mobilises, first through the purchase channel (its contract scope and timing), then "
        "without those limits, then spent by five's own matching rule but without linkage "
        "itself. The differences between neighbouring controls split five minus three into "
        "resources, routing and linkage itself, each with its own 95% interval, adding up to "
        "the total in every pair; with the mechanism split ticked, linkage itself is split "
        "further into its gains and costs. Dispute outcomes rest on few events: the cards say "
        "how many community-years were simulated and about how many a verdict needs at the "
        "rate seen (raise the number of communities in the street, or of pairs). \u201cWhich "
        "assumption decides it?\u201d moves one assumption over its documented range and shows "
        "where five's difference changes sign (break-even) and on which side your setting lies.",
    },
    "explain_unit": {"zh": "单位：{unit}", "en": "unit: {unit}"},
    "explain_direction_lower": {"zh": "越低越好", "en": "lower is better"},
    "explain_direction_higher": {"zh": "越高越好", "en": "higher is better"},
    "explain_direction_none": {"zh": "辅助统计，不评判好坏", "en": "supporting count, not judged"},
    "explain_cumulative": {
        "zh": "从第 1 天累计到今天。",
        "en": "Cumulative from day 1 to today.",
    },
    "explain_events": {
        "zh": "依据的事件：{events}；任一社区少于 {min} 起时不下结论。",
        "en": "Rests on: {events}; with fewer than {min} in a community there is no verdict.",
    },
    "explain_preset_none": {
        "zh": "全部使用模型默认值。",
        "en": "Every parameter at the model default.",
    },
    # presets
    "preset_default": {"zh": "默认社区", "en": "Default community"},
    "preset_ageing": {"zh": "老龄化社区", "en": "Ageing community"},
    "preset_disputes": {
        "zh": "纠纷多发社区（纠纷与升级均为两倍）",
        "en": "Many disputes (twice the onsets and escalation)",
    },
    "preset_donation_shock": {"zh": "捐赠信任危机", "en": "Donation shock"},
    "preset_small": {"zh": "小型社区（1500 人，响应快）", "en": "Small community (1,500, quick)"},
    # brief
    "brief_title": {
        "zh": "三社联动与五社联动对照：一页简报",
        "en": "Three- vs five-actor linkage: one-page brief",
    },
    "brief_generated": {
        "zh": "生成日期 {date} · 模型 sim {version}",
        "en": "Generated {date} · model sim {version}",
    },
    "brief_setup": {
        "zh": "情景：{preset} · 随机种子：{seed} · 居民 {residents} 人 · "
        "第 {day} 天（共 {days} 天）· {runs}",
        "en": "Preset: {preset} · seed {seed} · {residents} residents · "
        "day {day} of {days} · {runs}",
    },
    "brief_runs_one": {"zh": "每个社区单次运行", "en": "one run per community"},
    "brief_runs_pairs": {"zh": "{n} 对配对运行", "en": "{n} paired runs"},
    "brief_changed": {"zh": "与默认值不同的参数", "en": "Parameters that differ from the defaults"},
    "brief_changed_none": {"zh": "无（全部为模型默认值）", "en": "none (all at model defaults)"},
    "brief_outcomes": {"zh": "关键指标", "en": "Headline outcomes"},
    "brief_metric": {"zh": "指标", "en": "Metric"},
    "brief_difference": {"zh": "差值与结论", "en": "Difference and verdict"},
    "brief_footer": {
        "zh": "各社区使用同一随机种子与参数，只有联动方式不同。单次运行不足以下结论；"
        "事件太少的指标不下结论。",
        "en": "Communities share the seed and parameters; only the linkage differs. One run is "
        "not a verdict; metrics with too few events get none.",
    },
    "brief_pairs_band": {
        "zh": "曲线为 {n} 对运行的平均值，阴影为各对运行的 10%–90% 区间",
        "en": "lines: mean of {n} pairs; band: 10-90% of the pairs",
    },
    "brief_bottom": {"zh": "结论", "en": "Bottom line"},
    "brief_split_none": {
        "zh": "对照社区未运行：点击“运行 N 对比较”得到差别来源。",
        "en": "The control communities were not run: run N pairs for the split.",
    },
    "brief_empty": {
        "zh": "尚无可导出的简报：先运行至少一天，或运行 N 对比较。",
        "en": "No brief yet: run at least one day, or run N pairs.",
    },
    "download_pairs_csv": {"zh": "下载 N 对运行结果（CSV）", "en": "Download the N pairs (CSV)"},
    "pairs_csv_empty": {
        "zh": "尚无配对结果：先点击“运行 N 对比较”。",
        "en": "No pairs yet: press \u201cRun N pairs\u201d first.",
    },
    # the bottom line
    "bottom_title": {"zh": "结论", "en": "Bottom line"},
    "bottom_none": {
        "zh": "单次运行不下结论：在左侧“配对比较”中运行 N 对，这里会给出结论及其原因。",
        "en": "No bottom line from one run: run N pairs (Paired comparison, left) and it "
        "appears here with its reasons.",
    },
    "bottom_stale": {
        "zh": "已有的结论对应另一组设置，未在此显示；请重新运行 N 对比较。",
        "en": "The last bottom line was for other settings and is not shown; run N pairs again.",
    },
    "bottom_clear": {
        "zh": "{n} 对配对运行显示：五社联动使{metric}{verb} {size}（三社 {three}，五社 {five}；"
        "95% 置信区间 {low} 至 {high}{unit}，不含 0，{judgement}；{counts}）",
        "en": "Over {n} pairs, five-actor linkage {verb} the {metric} by {size} (three "
        "{three}, five {five}; 95% interval {low} to {high}{unit}, which excludes zero: "
        "{judgement}; {counts})",
    },
    "bottom_unclear": {
        "zh": "{n} 对配对运行显示：五社联动对{metric}没有明确影响：平均差值 {change}，"
        "但 95% 置信区间 {low} 至 {high}{unit} 包含 0（{counts}）",
        "en": "Over {n} pairs, five-actor linkage makes no clear difference to the {metric}: "
        "{change} on average, but the 95% interval ({low} to {high}{unit}) includes zero "
        "({counts})",
    },
    "bottom_too_few": {
        "zh": "{n} 对配对运行中{events}太少（{counts}；至少需要各 {min} 起），不对{metric}下结论"
        "（已模拟 {have} 个社区年；{years}）。",
        "en": "Over {n} pairs there are too few {events} ({counts}; a verdict needs {min} "
        "each) for a verdict on the {metric} ({have} community-years simulated; {years}).",
    },
    "bottom_because": {
        "zh": "；原因：{because}。",
        "en": ", because {because}.",
    },
    "bottom_split_running": {
        "zh": "。差别来源（资源、分派方式、联动本身）正在计算。",
        "en": ". Its split into resources, routing and linkage is being computed.",
    },
    "bottom_split_missing": {
        "zh": "。差别来源的拆分没有完成（对照社区已取消）。",
        "en": ". Its split into resources, routing and linkage was not finished (the "
        "control communities were cancelled).",
    },
    "part_resources": {
        "zh": "五社额外调动的资源贡献 {value}",
        "en": "five's extra resources account for {value}",
    },
    "part_routing": {
        "zh": "按五社的匹配规则分配（分派方式）贡献 {value}",
        "en": "spending them by five's matching rule (routing) for {value}",
    },
    "part_linkage": {
        "zh": "联动本身贡献 {value}",
        "en": "linkage itself for {value}",
    },
    "interval_has_zero": {"zh": "（区间包含 0）", "en": " (its interval includes zero)"},
    "ci_short": {"zh": "95% 区间 {low} 至 {high}", "en": "95%: {low} to {high}"},
    "ci_has_zero": {"zh": "，含 0", "en": ", includes 0"},
    "list_sep": {"zh": "，", "en": ", "},
    "list_and": {"zh": "，", "en": " and "},
    "verb_lowers": {"zh": "降低", "en": "lowers"},
    "verb_raises": {"zh": "升高", "en": "raises"},
    "judged_better": {"zh": "五社更好", "en": "five better"},
    "judged_worse": {"zh": "五社更差", "en": "five worse"},
    "disputes_clear": {
        "zh": "纠纷方面，五社联动使{metric}变化 {change}（95% 置信区间 {low} 至 {high}{unit}，"
        "不含 0，{judgement}；{counts}）。",
        "en": "On disputes, five changes the {metric} by {change} (95% interval {low} to "
        "{high}{unit}, which excludes zero: {judgement}; {counts}).",
    },
    "disputes_unclear": {
        "zh": "纠纷方面，五社联动对{metric}没有明确影响：平均差值 {change}，"
        "95% 置信区间 {low} 至 {high}{unit} 包含 0（{counts}）。",
        "en": "On disputes, five makes no clear difference to the {metric}: {change} on "
        "average, and the 95% interval ({low} to {high}{unit}) includes zero ({counts}).",
    },
    "disputes_too_few": {
        "zh": "纠纷方面事件太少，不对{metric}下结论（{counts}；至少需要各 {min} 起；"
        "已模拟 {have} 个社区年；{years}）。",
        "en": "On disputes there are too few events for a verdict on the {metric} "
        "({counts}; a verdict needs {min} each; {have} community-years simulated; {years}).",
    },
    "years_needed": {
        "zh": "按这一频率约需 {years} 个社区年：可增加社区数或配对数",
        "en": "at this rate a verdict needs about {years} community-years: raise the "
        "number of communities or of pairs",
    },
    "years_none": {
        "zh": "尚未出现这类事件，需要更多社区年：可增加社区数或配对数",
        "en": "none seen yet, so far more community-years are needed: raise the number of "
        "communities or of pairs",
    },
    # the ladder (waterfall)
    "ladder_title": {
        "zh": "五社与三社的差别从何而来（{n} 对平均）",
        "en": "Where five's difference comes from (mean of {n} pairs)",
    },
    "ladder_metric": {"zh": "指标", "en": "Metric"},
    "ladder_note": {
        "zh": "从三社（0）出发，每一步是相邻两个对照社区在同样种子下的差值，横线为 95% 置信区间；"
        "最后一条是五社 − 三社。",
        "en": "From three (0), each step is the paired difference between neighbouring "
        "control communities on the same seeds, with its 95% interval; the last bar is "
        "five − three.",
    },
    "ladder_note_shapley": {
        "zh": "联动机制各步为按 {k} 种顺序平均的沙普利值。",
        "en": "Linkage mechanisms are Shapley values averaged over {k} orderings.",
    },
    "ladder_waiting": {
        "zh": "对照社区运行完后，这里显示差别来源的瀑布图。",
        "en": "Once the control communities have run, a waterfall of the steps appears here.",
    },
    "kind_resources": {"zh": "资源", "en": "resources"},
    "kind_matching": {"zh": "分派方式", "en": "routing"},
    "kind_linkage": {"zh": "联动本身", "en": "linkage itself"},
    "kind_gain": {"zh": "联动收益", "en": "linkage gain"},
    "kind_cost": {"zh": "联动成本", "en": "linkage cost"},
    "kind_total": {"zh": "五社 − 三社", "en": "five − three"},
    # charts after N pairs
    "chart_band_note": {
        "zh": "{n} 对运行的平均值；阴影为各对运行的 10%–90% 区间",
        "en": "mean of {n} pairs; band: 10-90% of the pairs",
    },
    "chart_alt_pairs": {
        "zh": "{regime}在第 {day} 天的 {n} 对平均值为 {value}",
        "en": "{regime} {value} on day {day} (mean of {n} pairs)",
    },
    # lever groups
    "group_community": {"zh": "街道与社区", "en": "Street and communities"},
    "group_community_note": {
        "zh": "社区规模、街道内的社区数和人口结构。纠纷结论需要足够多的社区年，可增加社区数。",
        "en": "Size, the number of communities in the street and who lives there. Dispute "
        "verdicts need many community-years: raise the number of communities.",
    },
    "group_volunteers": {"zh": "志愿者", "en": "Volunteers"},
    "group_volunteers_note": {
        "zh": "登记人数、活跃程度、服务时长、流失和受过调解培训的人数。",
        "en": "How many are registered and active, their hours, how many leave, and how "
        "many are trained to mediate.",
    },
    "group_money": {"zh": "资金与物资", "en": "Money and goods"},
    "group_money_note": {
        "zh": "政府购买服务预算、居民与企业捐赠、慈善超市物资，以及捐赠是否挤出政府购买。",
        "en": "The government purchase budget, residents' and firms' giving, the charity "
        "supermarket's goods, and whether charity crowds out government money.",
    },
    "group_risks": {"zh": "联动成本与风险", "en": "Linkage costs and risks"},
    "group_risks_note": {
        "zh": "协调成本、党员下沉、纠纷多少与升级、慈善信任危机。",
        "en": "Coordination cost, Party members' hours, how many disputes arise and "
        "escalate, charity trust crises.",
    },
    "preset_sets": {"zh": "此预设设定：{list}", "en": "This preset sets: {list}"},
    "preset_sets_none": {
        "zh": "此预设全部使用模型默认值。",
        "en": "This preset keeps every model default.",
    },
    "live_one_community": {
        "zh": "实时画面显示街道中的一个社区；N 对比较运行全部 {k} 个社区。",
        "en": "The live view shows one community of the street; N pairs run all {k}.",
    },
    "size_small": {
        "zh": "社区太小：{n} 名居民只有 {staff} 名社区工作者（不足一人），结果会随规模变化；"
        "至少需要约 {smallest} 名居民。",
        "en": "Too small: {n} residents have {staff} community workers (less than one "
        "person), so results depend on the size; use at least about {smallest} residents.",
    },
    "size_overheads": {
        "zh": "社区平台每天的服务时间不足以支付五方联动的协调开销：五社联动将无法提供服务。",
        "en": "The platform's service hours do not cover the coordination of five linked "
        "actor types: under five-actor linkage it would serve nothing.",
    },
    # what a lever's value means here
    "words_residents": {"zh": "约 {adults:,.0f} 名成年人", "en": "≈ {adults:,.0f} adults"},
    "words_communities": {
        "zh": "{k:,.0f} 个社区，共 {total:,.0f} 名居民",
        "en": "{k:,.0f} communities, {total:,.0f} residents in all",
    },
    "words_community_one": {
        "zh": "1 个社区，共 {total:,.0f} 名居民",
        "en": "one community of {total:,.0f} residents",
    },
    "words_days": {"zh": "约 {years:.1f} 年", "en": "≈ {years:.1f} years"},
    "words_people": {"zh": "约 {n:,.0f} 人", "en": "≈ {n:,.0f} people"},
    "words_registered": {
        "zh": "约 {n:,.0f} 名登记志愿者（成年人 {adults:,.0f} 名）",
        "en": "≈ {n:,.0f} registered volunteers (of {adults:,.0f} adults)",
    },
    "words_active": {"zh": "开始时约 {n:,.0f} 人活跃", "en": "≈ {n:,.0f} active at the start"},
    "words_volunteer_hours": {
        "zh": "开始时每月共约 {n:,.0f} 小时",
        "en": "≈ {n:,.0f} hours a month in all at the start",
    },
    "words_retention": {
        "zh": "不计倦怠，一年后约 {share:.0%} 的活跃志愿者仍在",
        "en": "≈ {share:.0%} of active volunteers still active after a year (before burnout)",
    },
    "words_mediators": {
        "zh": "约 {n:,.0f} 名受过调解或法律培训的志愿者",
        "en": "≈ {n:,.0f} volunteers trained to mediate",
    },
    "words_yuan_year": {"zh": "本社区每年 {n:,.0f} 元", "en": "{n:,.0f} yuan a year here"},
    "words_giving": {
        "zh": "居民捐给本社区约 {n:,.0f} 元/年",
        "en": "≈ {n:,.0f} yuan a year from residents to this community",
    },
    "words_firms": {
        "zh": "本地企业约 {n:,.0f} 元/年",
        "en": "≈ {n:,.0f} yuan a year from local firms",
    },
    "words_goods": {"zh": "每年 {n:,.0f} 元的物资", "en": "{n:,.0f} yuan of goods a year"},
    "words_crowd_out": {
        "zh": "每支出 100 元慈善资金，政府削减 {n:.0f} 元",
        "en": "the government cuts {n:.0f} yuan per 100 yuan of charity spent",
    },
    "words_coordination": {
        "zh": "五社每周 {five:,.1f} 小时，三社每周 {three:,.1f} 小时",
        "en": "{five:,.1f} hours a week under five, {three:,.1f} under three",
    },
    "words_hours_day": {"zh": "本社区每天 {n:,.2f} 小时", "en": "{n:,.2f} hours a day here"},
    "words_disputes": {"zh": "每年约 {n:,.0f} 起纠纷", "en": "≈ {n:,.0f} disputes a year"},
    "words_multiplier": {"zh": "基础升级风险的 {n:g} 倍", "en": "{n:g} × the base hazard"},
    "words_shocks": {
        "zh": "平均约每 {years:.1f} 年一次",
        "en": "about one every {years:.1f} years",
    },
    "words_no_shocks": {"zh": "没有信任危机", "en": "no trust crises"},
    # the assumption sweep
    "sweep_title": {"zh": "哪个假设决定结论？", "en": "Which assumption decides it?"},
    "sweep_note": {
        "zh": "选一个假设，在其有依据的范围内取若干值，"
        "每个值跑配对运行（三社、五社、同样匹配的对照社区），"
        "画出五社 − 三社和五社 − 对照社区及 95% 置信带，标出差别变号处（盈亏平衡点）和当前设置。",
        "en": "Pick one assumption: it is moved over its documented range, with paired runs "
        "(three, five, the matched control) at each value; the chart shows five − three and "
        "five − the matched control with 95% bands, where the difference changes sign "
        "(break-even) and your current setting.",
    },
    "sweep_assumption": {"zh": "假设", "en": "Assumption"},
    "sweep_levels": {"zh": "取值个数", "en": "Values"},
    "sweep_pairs": {"zh": "每个取值的配对数", "en": "Pairs per value"},
    "sweep_run": {
        "zh": "运行：{levels} 个取值 × {pairs} 对",
        "en": "Run: {levels} values × {pairs} pairs",
    },
    "sweep_cancel": {"zh": "取消", "en": "Cancel"},
    "sweep_progress": {
        "zh": "已完成 {done} / {total} 次运行（第 {level} / {levels} 个取值）",
        "en": "{done} of {total} runs done (value {level} of {levels})",
    },
    "sweep_done": {
        "zh": "已完成：{param} 从 {low} 到 {high}，{levels} 个取值 × {pairs} 对。",
        "en": "Done: {param} from {low} to {high}, {levels} values × {pairs} pairs.",
    },
    "sweep_cancelled": {"zh": "已取消，未保存部分结果。", "en": "Cancelled; nothing was kept."},
    "sweep_failed": {
        "zh": "扫描未能完成。详细信息已写入服务器日志。",
        "en": "The sweep did not finish. Details are in the server log.",
    },
    "sweep_stale": {
        "zh": "下面的扫描结果对应另一组设置（当前运行的设置已改变）。",
        "en": "The sweep below was run with other settings (the current runs have changed).",
    },
    "sweep_range": {"zh": "范围 {low} 至 {high}", "en": "range {low} to {high}"},
    "sweep_current": {"zh": "当前设置", "en": "your setting"},
    "sweep_break_even": {"zh": "盈亏平衡点", "en": "break-even"},
    "sweep_five_three": {"zh": "五社 − 三社", "en": "five − three"},
    "sweep_five_matched": {"zh": "五社 − 同样匹配的对照社区", "en": "five − matched control"},
    "sweep_axis_y": {"zh": "五社的差值", "en": "five's difference"},
    "sweep_crosses": {
        "zh": "{comparison}：在{param} = {x} 处变号（95% 自助法区间 {low} 至 {high}；"
        "{share} 的重抽样出现变号）；低于该值时五社{below}，高于时五社{above}。"
        "当前设置 {current}{where}。",
        "en": "{comparison}: changes sign at {param} = {x} (95% bootstrap interval {low} to "
        "{high}; {share} of resamples cross); below it five is {below}, above it {above}. "
        "Your setting, {current}, {where}.",
    },
    "sweep_crosses_no_interval": {
        "zh": "{comparison}：在{param} = {x} 处变号（{share} 的重抽样出现变号，区间无法估计）；"
        "低于该值时五社{below}，高于时五社{above}。当前设置 {current}{where}。",
        "en": "{comparison}: changes sign at {param} = {x} ({share} of resamples cross; no "
        "interval); below it five is {below}, above it {above}. Your setting, {current}, "
        "{where}.",
    },
    "sweep_no_cross": {
        "zh": "{comparison}：在整个范围（{low} 至 {high}）内五社都{side}，没有盈亏平衡点"
        "（{share} 的重抽样出现变号）{zero}。",
        "en": "{comparison}: five is {side} over the whole range ({low} to {high}): no "
        "break-even ({share} of resamples cross){zero}.",
    },
    "sweep_unclear": {
        "zh": "{comparison}：在整个范围（{low} 至 {high}）内没有明确差别："
        "全部 {n} 个取值的置信区间都包含 0"
        "（平均值一直在五社{side}一侧，没有盈亏平衡点）。",
        "en": "{comparison}: no clear difference anywhere in the range ({low} to {high}): at "
        "all {n} values the interval includes zero (the mean stays on the side of five "
        "{side}; no break-even).",
    },
    "sweep_zero_levels": {
        "zh": "；其中 {k} / {n} 个取值的置信区间包含 0",
        "en": "; at {k} of {n} values its interval includes zero",
    },
    "sweep_where_below": {"zh": "低于盈亏平衡点", "en": "is below it"},
    "sweep_where_above": {"zh": "高于盈亏平衡点", "en": "is above it"},
    "side_better": {"zh": "更好", "en": "better"},
    "side_worse": {"zh": "更差", "en": "worse"},
    "side_equal": {"zh": "持平", "en": "equal"},
    "sweep_alt": {
        "zh": "折线图：{param} 取不同值时五社的差值。{text}",
        "en": "Line chart: five's difference as {param} varies. {text}",
    },
    "local_giving_share": {
        "zh": "居民捐赠中流向本社区的比例",
        "en": "Share of residents' giving that stays in the community",
    },
}

# What each regime is called on the page. Controls ("three-equal-resources...") are offered
# as extra communities; a regime the table does not know is shown by its name.
REGIME_TEXT: dict[str, dict[str, str]] = {
    "three": {"zh": "三社联动", "en": "Three-actor linkage"},
    "five": {"zh": "五社联动", "en": "Five-actor linkage"},
    "three+volunteers": {"zh": "三社联动 + 志愿者", "en": "Three plus volunteers"},
    "three+charity": {"zh": "三社联动 + 慈善", "en": "Three plus charity"},
    "three-equal-resources": {
        "zh": "三社联动 + 同等资源（受限）",
        "en": "Three with equal resources (restricted)",
    },
    "three-equal-resources-unrestricted": {
        "zh": "三社联动 + 同等资源（不受限）",
        "en": "Three with equal resources (unrestricted)",
    },
    "three-equal-resources-matched": {
        "zh": "三社联动 + 同等资源（同样的匹配方式）",
        "en": "Three with equal resources (matched)",
    },
}
REGIME_SHORT: dict[str, dict[str, str]] = {
    "three": {"zh": "三社", "en": "three"},
    "five": {"zh": "五社", "en": "five"},
    "three-equal-resources": {"zh": "同等资源（受限）", "en": "equal resources (restricted)"},
    "three-equal-resources-unrestricted": {
        "zh": "同等资源（不受限）",
        "en": "equal resources (unrestricted)",
    },
    "three-equal-resources-matched": {
        "zh": "同等资源（同样匹配）",
        "en": "equal resources (matched)",
    },
}
REGIME_ABOUT: dict[str, dict[str, str]] = {
    "three-equal-resources": {
        "zh": "三社联动，但获得五社联动所调动的同等工时和资金，经政府购买渠道投入，"
        "受合同范围和时序限制。",
        "en": "Three-actor linkage given the hours and money five mobilises, through the "
        "government-purchase channel with its scope and timing limits.",
    },
    "three-equal-resources-unrestricted": {
        "zh": "三社联动，获得同等数量的工时和资金，且不受合同范围和时序限制。",
        "en": "Three-actor linkage given the same amount, without those limits.",
    },
    "three-equal-resources-matched": {
        "zh": "五社联动每天实际调动的志愿者工时和慈善资金，"
        "按五社联动同样的规则分配到各类需求（慈善优先支付生活困难），"
        "但没有联动本身：志愿者与居民没有邻里联系，没有督导、共享台账，也没有协调和行政负担。"
        "五社联动与它的差异就是联动本身的作用。",
        "en": "The volunteer hours and charity money five actually mobilises each day, spent by "
        "five's own rules (charity pays material hardship first), but without linkage itself: "
        "no volunteer ties to residents, no supervision or shared registry, no coordination or "
        "administrative load. Five minus this is the effect of linkage.",
    },
}

# The attribution ladder's steps (``sim.experiments.attribution``; ``decision.steps``): the
# rungs below five, "linkage" (five minus the matched control) and each linkage mechanism.
STEP_TEXT: dict[str, dict[str, str]] = {
    "three-equal-resources": {
        "zh": "+ 五社的资源（经政府购买渠道）",
        "en": "+ five's resources, through purchase contracts",
    },
    "three-equal-resources-unrestricted": {
        "zh": "+ 同样的资源，不受合同限制",
        "en": "+ the same, without contract limits",
    },
    "three-equal-resources-matched": {
        "zh": "+ 五社的匹配规则（分派方式）",
        "en": "+ five's matching rule (routing)",
    },
    "linkage": {"zh": "+ 联动本身（扣除其成本）", "en": "+ linkage itself (net of its costs)"},
    "total": {"zh": "= 五社 − 三社", "en": "= five − three"},
    "volunteer_discovery": {"zh": "邻里志愿者发现隐性需求", "en": "neighbours notice hidden needs"},
    "early_detection": {"zh": "及早发现纠纷苗头", "en": "early detection of frictions"},
    "neighbour_trust": {"zh": "居民信任熟人帮手", "en": "residents trust known helpers"},
    "supervision": {"zh": "社工督导志愿者", "en": "social workers supervise volunteers"},
    "shared_registry": {"zh": "共享个案台账", "en": "a shared case registry"},
    "skilled_volunteers": {"zh": "有技能的志愿者调解", "en": "skilled volunteers mediate"},
    "surge": {"zh": "突发事件后的动员", "en": "surge after emergencies"},
    "coordination_cost": {"zh": "协调成本", "en": "coordination cost"},
    "crowd_out": {"zh": "挤出政府购买", "en": "crowd-out of government money"},
    "volunteer_backfire": {"zh": "未经培训的调解适得其反", "en": "untrained mediators backfire"},
    "admin_overload": {"zh": "行政负担", "en": "administrative overload"},
    "role_overlap": {"zh": "一人多角", "en": "one person in several roles"},
}

# English titles that must not show a parameter's identifier (the catalogue's definition
# of the escalation share names ``settled_after_days``).
METRIC_EN: dict[str, str] = {
    "dispute_escalation_share": "share of disputes whose fate is settled (court, truly "
    "resolved, or quiet for {settled} days) that reached court",
}

# Chinese titles of the catalogue's metrics (the English title is the catalogue definition).
METRIC_ZH: dict[str, str] = {
    "unmet_need_share": "截止期前未得到充分服务的需求比例",
    "unmet_need_hours": "截止期时仍未提供的服务小时数（全期合计）",
    "mean_response_days": "需求从提出到首次获得服务的平均天数（已获服务的需求）",
    "dispute_escalation_share": "结局已定的纠纷（诉至法院、真正化解或长期平息）中诉至法院的比例",
    "court_filings_per_10k": "每万居民每年诉至法院的纠纷数",
    "true_resolution_share": "“成功”调解中真正化解矛盾的比例",
    "reignition_share": "已结案但未真正化解的纠纷中再次激化的比例",
    "cost_per_resolved_case": "每解决一件事项的成本（政府、慈善、人员工资和志愿者影子成本；"
    "需求得到满足或纠纷真正化解）",
    "unspent_funds": "期末已捐赠但尚未使用的慈善资金和物资",
    "coordination_overhead_share": "协调工时占全部可用工时的比例",
    "volunteer_retention": "期初活跃的志愿者到期末仍活跃的比例",
    "unmet_need_share_vulnerable": "困难居民（脆弱群体）需求未满足的比例",
    "unmet_need_share_other": "其他居民需求未满足的比例",
    "unmet_share_elder_care": "养老照护需求未满足的比例",
    "unmet_share_child_care": "儿童照看需求未满足的比例",
    "unmet_share_disability_support": "残障支持需求未满足的比例",
    "unmet_share_material_hardship": "生活困难（物资）需求未满足的比例",
    "unmet_share_psychological": "心理支持需求未满足的比例",
    "unmet_share_emergency": "突发事件需求未满足的比例",
    "needs_total": "提出的需求数",
    "needs_unmet": "截止期前未得到充分服务的需求数",
    "disputes_total": "发生的纠纷数",
    "court_filings": "诉至法院的纠纷数",
    "mediated_disputes_per_10k": "每万居民每年得到至少一次干预的纠纷数",
    "mediation_success_share": "以化解或结案告终的干预比例",
    "backfires": "志愿者干预反而使纠纷升级的次数",
    "admin_share_of_staff_hours": "社区工作者工时中被行政事务占用的比例",
    "volunteers_registered_share": "期末登记志愿者占居民的比例",
    "volunteers_active_share": "期末活跃志愿者占居民的比例",
    "volunteer_hours_worked": "派给需求和纠纷的志愿服务小时数",
    "volunteered_month_share": "一个月内至少参加一次志愿服务的成年人比例",
    "volunteer_hours_per_quarter": "志愿者每季度提供的服务小时数（当季参加者）",
    "volunteer_hours_elder_care": "用于养老照护需求的志愿服务小时数",
    "volunteer_hours_child_care": "用于儿童照看需求的志愿服务小时数",
    "volunteer_hours_disability_support": "用于残障支持需求的志愿服务小时数",
    "volunteer_hours_psychological": "用于心理支持需求的志愿服务小时数",
    "volunteer_hours_emergency": "用于突发事件需求的志愿服务小时数",
    "volunteer_hours_disputes": "用于调解纠纷的志愿服务小时数",
    "charity_spent_elder_care": "用于养老照护需求的慈善资金和物资（元）",
    "charity_spent_child_care": "用于儿童照看需求的慈善资金和物资（元）",
    "charity_spent_disability_support": "用于残障支持需求的慈善资金和物资（元）",
    "charity_spent_material_hardship": "用于生活困难需求的慈善资金和物资（元）",
    "charity_spent_psychological": "用于心理支持需求的慈善资金和物资（元）",
    "charity_spent_emergency": "用于突发事件需求的慈善资金和物资（元）",
    "donations_total": "收到的慈善资金和物资",
    "donor_retention": "上半年捐过、下半年再次捐赠的居民比例",
    "government_spent": "已支付的政府购买服务资金",
    "charity_spent": "已支出的慈善资金和物资",
    "staff_cost": "社区工作者和社工的工资",
    "volunteer_shadow_cost": "按影子工资计算的志愿服务价值",
    "hours_available_total": "扣除行政事务后各主体的可用工时",
    "hours_used_total": "各主体已用工时（服务、调解、接案、协调）",
    "complaints_per_10k": "每万居民每年进入正式投诉阶段的纠纷数",
    "complaints": "进入正式投诉阶段的纠纷数",
    "days_at_conflict_or_worse": "平均每起纠纷处于公开冲突或更严重阶段的天数",
    "unmet_relief_yuan": "截止期时仍未支付的物资救助金额",
    "undiscovered_unmet_share": "因一直未被发现而未得到满足的需求比例",
    "refused_need_share": "居民至少拒绝过一次帮助的需求比例",
    "hidden_need_share": "提出时未被社区发现的隐性需求比例",
    "intervention_delay_days": "纠纷被知晓后到首次干预完成的平均天数",
    "needs_unmet_vulnerable": "困难居民（脆弱群体）未满足的需求数",
    "needs_unmet_other": "其他居民未满足的需求数",
    "needs_unmet_elder_care": "未满足的养老照护需求数",
    "needs_unmet_child_care": "未满足的儿童照看需求数",
    "needs_unmet_disability_support": "未满足的残障支持需求数",
    "needs_unmet_material_hardship": "未满足的生活困难（物资）需求数",
    "needs_unmet_psychological": "未满足的心理支持需求数",
    "needs_unmet_emergency": "未满足的突发事件需求数",
    "disputes_censored_share": "期末结局仍未确定（不计入升级比例）的纠纷比例",
    "volunteer_hours_per_active_month": "每名活跃志愿者每月提供的服务小时数",
    "giving_per_capita_yuan": "居民个人每年人均向本社区捐赠额",
    "extra_resource_hours": "三社以外调动的资源（可派志愿工时加慈善资金折算工时；"
    "对照组为所获资源）",
    "relief_spent": "为物资困难需求支付的政府救助金",
    "supervision_hours": "社工督导志愿者所用工时",
    "home_visit_hours": "社工入户走访所用工时",
}

UNIT_TEXT: dict[str, dict[str, str]] = {
    "share": {"zh": "比例（%）", "en": "share (%)"},
    "hours": {"zh": "小时", "en": "hours"},
    "days": {"zh": "天", "en": "days"},
    "per 10k per year": {"zh": "每万居民每年", "en": "per 10,000 residents per year"},
    "yuan": {"zh": "元", "en": "yuan"},
    "needs": {"zh": "件需求", "en": "needs"},
    "disputes": {"zh": "起纠纷", "en": "disputes"},
    "interventions": {"zh": "次干预", "en": "interventions"},
    "persons": {"zh": "人", "en": "persons"},
    "hours per month": {"zh": "小时/月", "en": "hours per month"},
    "yuan per person per year": {"zh": "元/人/年", "en": "yuan per person per year"},
    "hours per quarter": {"zh": "小时/季度", "en": "hours per quarter"},
    "share of adults": {"zh": "占成年居民比例（0–1）", "en": "share of adults (0-1)"},
}

# The daily record's columns (the CSV), with the columns the dashboard adds in front.
COLUMN_TEXT: dict[str, dict[str, str]] = {
    "regime": {
        "zh": "联动方式（three 为三社联动，five 为五社联动，其余为对照）",
        "en": "linkage regime (three, five, or a control)",
    },
    "preset": {"zh": "情景预设（英文键名）", "en": "scenario preset (key)"},
    "seed": {"zh": "随机种子", "en": "random seed"},
    "model_version": {"zh": "模型版本（sim 软件包）", "en": "model version (sim package)"},
    "day": {"zh": "天数（第几天结束时）", "en": "day number (state at the end of that day)"},
    "needs_arrived": {"zh": "当天新提出的需求数", "en": "needs that arrived that day"},
    "needs_met": {"zh": "当天得到满足的需求数", "en": "needs fully served that day"},
    "needs_unmet": {
        "zh": "当天到期仍未满足的需求数",
        "en": "needs that passed their deadline unserved that day",
    },
    "open_needs": {
        "zh": "当天结束时仍在处理的需求数",
        "en": "needs still open at the end of the day",
    },
    "unmet_need_share": {
        "zh": "截至当天累计的需求未满足比例",
        "en": "unmet-need share, cumulative to that day",
    },
    "disputes_total": {"zh": "截至当天累计发生的纠纷数", "en": "disputes started, cumulative"},
    "open_friction": {"zh": "处于摩擦阶段的纠纷数", "en": "open disputes at the friction stage"},
    "open_conflict": {
        "zh": "处于公开冲突阶段的纠纷数",
        "en": "open disputes at the open-conflict stage",
    },
    "open_complaint": {
        "zh": "处于正式投诉阶段的纠纷数",
        "en": "open disputes at the formal-complaint stage",
    },
    "latent_disputes": {
        "zh": "已结案但未真正化解（潜伏）的纠纷数",
        "en": "closed but unresolved (latent) disputes",
    },
    "court_filings": {
        "zh": "截至当天累计诉至法院的纠纷数",
        "en": "disputes that reached court, cumulative",
    },
    "dispute_escalation_share": {
        "zh": "截至当天结局已定的纠纷中诉至法院的比例",
        "en": "share of settled-fate disputes that reached court, so far",
    },
    "court_filings_per_10k": {
        "zh": "截至当天每万居民每年诉至法院的纠纷数",
        "en": "court filings per 10,000 residents per year, so far",
    },
    "interventions": {
        "zh": "截至当天累计的纠纷干预次数",
        "en": "dispute interventions, cumulative",
    },
    "volunteers_active": {"zh": "当天活跃的志愿者人数", "en": "active volunteers that day"},
    "charity_held": {
        "zh": "当天结束时持有的慈善资金和物资（元）",
        "en": "charity money and goods held at the end of the day (yuan)",
    },
    "donations_total": {
        "zh": "截至当天累计收到的捐赠（元）",
        "en": "donations received, cumulative (yuan)",
    },
    "donor_trust": {
        "zh": "捐赠者信任（0–1，无慈善资源时为空）",
        "en": "donor trust (0-1; empty without charity)",
    },
    "hours_available": {"zh": "当天各主体可用工时", "en": "hours available to all actors that day"},
    "hours_used": {"zh": "当天各主体已用工时", "en": "hours used by all actors that day"},
    "cost_per_resolved_case": {
        "zh": "截至当天每解决一件事项的成本（元）",
        "en": "cost per resolved case so far (yuan)",
    },
    "residents": {"zh": "居民人数（多个社区时为合计）", "en": "residents (all communities)"},
    "needs_discovered": {
        "zh": "当天被发现的隐性需求数",
        "en": "hidden needs discovered that day",
    },
    "open_hidden_needs": {
        "zh": "当天结束时尚未被发现的需求数",
        "en": "needs still hidden at the end of the day",
    },
    "needs_met_to_date": {"zh": "截至当天累计满足的需求数", "en": "needs met, cumulative"},
    "needs_unmet_to_date": {"zh": "截至当天累计未满足的需求数", "en": "needs unmet, cumulative"},
    "disputes_to_date": {"zh": "截至当天累计发生的纠纷数", "en": "disputes started, cumulative"},
    "complaints_to_date": {
        "zh": "截至当天累计进入正式投诉阶段的纠纷数",
        "en": "disputes that reached formal complaint, cumulative",
    },
    "fate_resolved": {
        "zh": "截至当天真正化解的纠纷数",
        "en": "disputes truly resolved, cumulative",
    },
    "fate_settled": {
        "zh": "当天已长期平息（视为结局已定）的纠纷数",
        "en": "closed or lumped disputes quiet long enough to count as settled",
    },
    "complaints_per_10k": {
        "zh": "截至当天每万居民每年进入正式投诉阶段的纠纷数",
        "en": "complaints per 10,000 residents per year, so far",
    },
    "cost_to_date": {"zh": "截至当天累计成本（元）", "en": "costs so far (yuan)"},
    "resolved_to_date": {
        "zh": "截至当天满足的需求与真正化解的纠纷数",
        "en": "needs met plus disputes truly resolved, cumulative",
    },
}
PARAM_COLUMN = {"zh": "参数：{label}（{name}）", "en": "parameter: {label} ({name})"}


def t(key: str, lang: str, **fields) -> str:
    """The label ``key`` in ``lang`` with ``{fields}`` filled in (English, then the key, if
    missing)."""
    entry = LABELS.get(key)
    if entry is None:
        log.warning("dashboard label %r is missing", key)
        entry = {}
    text = entry.get(lang) or entry.get("en") or key
    return text.format(**fields) if fields else text


def sep(lang: str) -> str:
    """The separator between clauses: a full-width semicolon in Chinese."""
    return "；" if lang == "zh" else "; "


def paren(text: str, lang: str) -> str:
    """``text`` in brackets after a word: full-width brackets in Chinese."""
    return f"（{text}）" if lang == "zh" else f" ({text})"


def regime_name(regime: str, lang: str, short: bool = False) -> str:
    """What a regime is called on the page (its short form in differences)."""
    table = REGIME_SHORT if short and regime in REGIME_SHORT else REGIME_TEXT
    return table.get(regime, {}).get(lang, regime)


def metric_title(name: str, lang: str, capital: bool = True) -> str:
    """A metric's title: the catalogue's definition in English (in words where it names a
    parameter), its translation in Chinese."""
    if lang == "zh" and name in METRIC_ZH:
        return METRIC_ZH[name]
    metric = METRICS.get(name)
    if name in METRIC_EN:
        text = METRIC_EN[name].format(settled=PARAM_SPECS["settled_after_days"].default)
    else:
        text = metric.definition if metric else name
    return text[:1].upper() + text[1:] if capital else text


def unit_text(unit: str, lang: str) -> str:
    """A catalogue unit in words of the page's language."""
    return UNIT_TEXT.get(unit, {}).get(lang, unit)


def column_text(column: str, lang: str) -> str:
    """What a CSV column holds, for the data dictionary."""
    if column.startswith("param_"):
        name = column.removeprefix("param_")
        return PARAM_COLUMN[lang].format(label=t(name, lang), name=name)
    return COLUMN_TEXT.get(column, {}).get(lang, column)


def step_label(step: str, kind: str, lang: str) -> str:
    """A step of the attribution ladder: a rung, linkage itself, the total or a mechanism
    (with whether it is a gain or a cost)."""
    if kind in ("gain", "cost"):
        name = STEP_TEXT.get(step, {}).get(lang, step.replace("_", " "))
        return "+ " + name + paren(t(f"kind_{kind}", lang), lang)
    return STEP_TEXT.get(step, {}).get(lang, step)
