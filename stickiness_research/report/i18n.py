"""Report wording in English and Chinese: section titles, column headers and fixed sentences.

Construct names, item texts and hypotheses come from the questionnaire in the same language; lever
texts from the playbook. One dictionary per language keeps the two reports parallel.

Some sentences reach the report already written in English by the statistics layer (the invariance
verdict, the Mardia line, screening and estimation warnings, the interval method, why a group
analysis could not run). ``Labels.tr`` translates the ones it knows; ``tests/test_zh_report.py`` fails
on any English left in the zh report.

Glossary (one term per concept, zh): stickiness 用户黏性 (黏, never 粘); construct 构念; item 题项;
configural/metric/scalar/strict invariance 形态/度量/标量/严格不变性; bootstrap 自助法.
"""

from __future__ import annotations

import re
from collections.abc import Callable

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "summary": "Summary", "sample": "Sample and data quality", "demographics": "Demographics",
        "measurement": "Measurement model", "structural": "Structural model", "groups": "Groups",
        "robustness": "Robustness check: regression on scale scores", "segments": "Segments",
        "strategy": "Strategy playbook", "provenance": "Provenance", "alternatives": "Alternative models",
        "full_results": "Full results",
        "full_results_note": "Every result of the study as the package reports it (summary(), the same numbers "
                             "as results.json), in the package's English names.",
        "respondents": "respondents", "read": "Responses read", "excluded": "Excluded", "kept": "Analysed",
        "rule": "Rule", "count": "n", "construct": "Construct", "item": "Item", "items": "Items",
        "reliability": "Reliability and convergent validity", "discriminant": "Discriminant validity",
        "loadings": "Standardized loadings", "fit": "Model fit", "hypotheses": "Hypotheses", "path": "Path",
        "sign": "Sign", "supported": "Supported", "yes": "yes", "no": "no", "effects": "Effects on the outcome",
        "effect": "Effect", "direct": "direct", "indirect": "indirect", "total": "total", "r2": "Explained variance",
        "truth": "True β", "importance": "Importance (total β)", "performance": "Performance (0–100)",
        "quadrant": "Quadrant", "levers": "Levers", "rank": "Rank", "status": "Status",
        "recommended": "recommended", "not significant": "not significant: no action recommended",
        "negative effect": "negative effect: review before acting",
        "no levers in playbook": "significant, but the playbook has no levers for it",
        "concentrate here": "concentrate here", "keep up the good work": "keep up the good work",
        "low priority": "low priority", "possible overkill": "possible overkill",
        "performance does not differ": "performance does not differ",
        "importance does not differ": "importance does not differ",
        "segment": "Segment", "share": "Share", "priorities": "Priorities", "ipma": "Importance–performance map",
        "method_bias": "Common method bias", "efa": "Exploratory factor analysis", "descriptives": "Item descriptives",
        "invariance": "Measurement invariance", "group_paths": "Paths by group", "model": "Model",
        "suppressed": "cells with fewer than {k} respondents are suppressed (shown as <{k})",
        "simulated": "simulated data from the questionnaire's population model",
        "collected": "survey responses", "warning": "Warning", "none_excluded": "No respondent was excluded.",
        "mean": "Mean", "sd": "SD", "skew": "Skew", "kurtosis": "Kurtosis", "floor": "Floor %", "ceiling": "Ceiling %",
        "not_run": "Not run (disabled in the study config).", "not_applied": "not applied",
        "rule_attention": "failed attention check", "rule_speeder": "speeder", "rule_duplicate": "duplicate answers",
        "rule_longstring": "long string of identical answers", "rule_mahalanobis": "multivariate outlier",
        "rule_missing_share": "too many unanswered items", "rule_irv": "too little variability",
        "rule_psychsyn": "inconsistent synonyms",
        "note_exclusions": 'A respondent can break several rules; every exclusion and its reason is in results.json.',
        "Yuan-Bentler scaled chi-square; robust CFI, TLI and RMSEA":
            "Yuan-Bentler scaled chi-square; robust CFI, TLI and RMSEA",
        "Yuan-Bentler scaled chi-square; scaled CFI, TLI and RMSEA":
            "Yuan-Bentler scaled chi-square; scaled CFI, TLI and RMSEA",
        "scaled-shifted chi-square; robust CFI, TLI and RMSEA": "scaled-shifted chi-square; robust CFI, TLI and RMSEA",
        "scaled-shifted chi-square; scaled CFI, TLI and RMSEA": "scaled-shifted chi-square; scaled CFI, TLI and RMSEA",
        "NA: not computable from these data, see the warnings": "NA: not computable from these data, see the warnings",
        "note_reliability": 'α: Cronbach (Feldt CI); ω: McDonald (semTools compRelSEM); CR: composite reliability from standardized loadings; AVE: semTools. Green when α and CR ≥ .70 and AVE ≥ .50.',
        "note_fl": 'Fornell–Larcker: √AVE on the diagonal (bold), latent correlations below.',
        "note_htmt": 'HTMT2 (geometric means; semTools default) with bootstrap percentile CI; green when below .85.',
        "note_diagram": 'β: standardized coefficients. * p < .05, ** p < .01, *** p < .001; dashed: not significant.',
        "note_hypotheses": 'A hypothesis is supported when its estimate has the expected sign, p < .05 and its 95% interval '
                           'excludes zero. Intervals:',
        "note_alternatives": 'Each rival is tested against the hypothesised model by a chi-square difference test (Satorra–Bentler scaled for MLR, scaled-shifted for WLSMV), valid when it is nested in it; χ², CFI and RMSEA are those of the fit line; smaller AIC/BIC is better (none for WLSMV: no likelihood).',
        "note_groups": 'Loadings held equal across groups; Wald test of equal paths (red: the path differs at p < .05).',
        "note_robustness": 'Each structural equation re-estimated by OLS on scale means (standardized betas, HC3 robust SEs). The last column says whether sign and significance agree. Scale means carry measurement error, so OLS betas are usually smaller.',
        "note_ipma": 'filled points are significant.',
        "pls": "PLS-SEM beside CB-SEM", "pls_reliability": "Reliability: CB-SEM and PLS-SEM", "r_squared": "R²",
        "pls_fit": "PLS-SEM ({scheme} scheme), N = {n}: SRMR = {srmr}, d_ULS = {d_uls}, d_G = {d_g} (estimated "
                   "model; χ², CFI and RMSEA are CB-SEM statistics)",
        "importance_ipma": "Importance (IPMA total effect)",
        "evidence_ipma": "IPMA importance = {importance}, 95% CI {ci}; total β = {beta}",
        "note_ipma_pls": 'PLS IPMA (Ringle & Sarstedt 2016): importance is the unstandardized total effect on the 0–100 '
                         'score of {outcome} (its points per point of the driver), performance the mean 0–100 PLS '
                         'score; 95% bootstrap percentile intervals; filled points are significant.',
        "pls_set": "PLS-SEM: measurement and structural model", "pls_paths": "Paths, effect sizes and collinearity",
        "note_pls_set": 'PLS-SEM with seminr\'s algorithm (path weighting, mode A composites, complete rows). '
                        'Reliability: α (standardized items), ρC (composite), ρA (Dijkstra–Henseler), AVE; ρC and '
                        'AVE green when ≥ .70 and ≥ .50. HTMT on absolute item correlations, green below .85; '
                        'Fornell–Larcker: √AVE on the diagonal, score correlations below. Loadings below .708 in red. '
                        'SE and 95% CI: {ci_method}; p: t = β / SE on (resamples − 1) df; f²: Cohen\'s effect '
                        'size (.02/.15/.35 small/medium/large); VIF: item and inner collinearity (below 3–5). '
                        'This is a PLS-only study: CFA fit, χ²-based model comparisons, measurement invariance and '
                        'power are CB-SEM analyses and are not part of it (method: both adds them).',
        "r2_adjusted": "adjusted R²",
        "planning": "Planning: statistical power", "hypothesis": "Hypothesis", "not_reached": "not reached",
        "behaviour": "Behaviour beside attitude", "bh_segments": "Behavioural stickiness by segment",
        "bh_validity": "Criterion validity of the stickiness scale", "bh_sem": "Attitude to behaviour (SEM)",
        "bh_churn": "Churn: who stays", "bh_cox": "Cox model of churn on the survey constructs",
        "bh_content": "Content preferences by segment", "bh_rules": "Association rules",
        "bh_playbook": "Personalised service for the playbook", "bh_cohorts": "Weekly cohort retention",
        "bh_truth": "Simulated truth", "users": "Users", "criterion": "Criterion",
        "metric_active_days": "active days", "metric_visits_per_week": "active days per week",
        "metric_active_share": "share of days active", "metric_lifetime_days": "lifetime (days)",
        "metric_read_completion": "reading completion", "metric_share_rate": "share rate",
        "metric_sessions": "sessions", "metric_dau_mau": "DAU/MAU", "metric_converted": "converted",
        "metric_churned": "churned", "metric_churned_share": "share churned", "metric_retained_d1": "day-1 retention", "metric_retained_d7": "day-7 retention",
        "metric_retained_d30": "day-30 retention", "median_lifetime": "median lifetime (days; – more than half still active)",
        "survival_30": "S(30)", "survival_60": "S(60)", "days_since_first": "days since first seen",
        "still_active": "share still active", "all_users": "all", "cohort": "Cohort", "week": "week",
        "content_market_news": "market news", "content_customer_story": "customer stories",
        "content_product_guide": "product guides", "content_topic_discussion": "topic discussions",
        "content_promotion": "promotions", "weekday": "weekday", "weekend": "weekend",
        "morning (06-11)": "mornings (06-11)", "midday (11-14)": "midday (11-14)",
        "afternoon (14-19)": "afternoons (14-19)", "evening (19-23)": "evenings (19-23)",
        "night (23-06)": "nights (23-06)", "antecedent": "If", "consequent": "then",
        "note_behaviour": 'Behaviour from the usage log: activity excludes pushes; churned: no activity in the last '
                          '{churn_after} days of the window (right-censored otherwise). DAU/MAU over the last 30 days. '
                          'Survey and log are joined by keyed pseudonyms; no raw identifier is shown.',
        "note_bh_validity": 'Pearson r with 95% Fisher-z intervals (as R\'s cor.test); ρ: Spearman.',
        "note_bh_cox": 'Hazard ratios per standard deviation of each scale score (Efron ties, as R\'s coxph); below 1: '
                       'users scoring higher churn later.',
        "note_bh_rules": 'Support: share of users with both sides; confidence: P(then | if); lift above 1: the "if" '
                         'makes the "then" more likely than across all users (Apriori, mlxtend).',
        "note_planning": 'Power of each hypothesis: the share of simulated studies (the questionnaire\'s population '
                         'model as the truth) in which it is supported at p < .05. RMSEA power: MacCallum, Browne & '
                         'Sugawara (1996), the test of close fit.',
        "note_pls": 'PLS-SEM (seminr\'s algorithm, path weighting, mode A composites; 95% bootstrap percentile intervals) '
                    'beside the CB-SEM estimates (std.all). PLS scores are weighted sums of the items and keep their '
                    'measurement error, so PLS loadings come out higher and paths between constructs usually lower than '
                    'CB-SEM\'s, which models the constructs as common factors (Dijkstra & Henseler 2015); the last column '
                    'says whether both methods reach the same conclusion (sign and significance).',
        "rule_identical_answers": "identical answer pattern", "rule_irv_min": "too little variability",
        "rule_psychsyn_min": "inconsistent synonyms",
        "plain_yes": "yes", "plain_no": "no", "holds": "Holds", "same_conclusion": "Same conclusion",
        "configural": "configural", "metric": "metric", "scalar": "scalar", "strict": "strict",
        "hypothesised": "hypothesised",
        "suppressed_blank": "cells with fewer than {k} respondents are suppressed (left blank)",
        "table": "Table {n}", "table_note": "Note. ",
        "docx_note_reliability": "CFA: {fit}. α with Feldt CI; ω as semTools compRelSEM; CR from standardized "
                                 "loadings.",
        "docx_note_htmt": "Bootstrap percentile intervals.",
        "docx_note_hypotheses": "{fit}. Intervals: {ci_method}.",
        "segment_priorities": "Priorities by segment", "kmeans": "k-means", "gmm": "Gaussian-mixture",
        "segment_basis": "Segments are {method} clusters on {basis}, the drivers nothing else in the model explains "
                         "(silhouette {silhouette}); the other scores describe them. They are not formed on {outcome} "
                         "or a mediator: choosing respondents by what the drivers explain would bias the "
                         "within-segment effects toward zero.",
        "seg_importance": "Importance (95% CI)", "seg_performance": "Performance (95% CI)", "priority": "Priority",
        "evidence": "Evidence",
        "seg_ranked": "effect above zero: ranked", "seg_not significant": "interval includes zero: not ranked",
        "seg_negative effect": "negative effect: not ranked",
        "seg_too small to estimate": "too small to estimate (n < {min_n})",
        "seg_not estimable": "not estimable (a score without variance in the segment)",
        "note_segment_priorities": "Importance: within each segment, OLS of the {outcome} scale score on the driver "
                                   "and the drivers it does not cause (so the coefficient is its total effect under "
                                   "the hypothesised model), HC3 standard errors, 95% t(df) intervals, expressed in "
                                   "whole-sample standard deviations so that segments are comparable. Priority = "
                                   "importance × (100 − segment performance); a driver is ranked only where its "
                                   "interval lies above zero. A segment needs {min_n} respondents (10 per "
                                   "predictor); smaller ones are too small to estimate.",
        "note_segment_caveat": "Caveat: segments are clusters on the drivers' own scores, so each covers a narrower "
                               "range of them than the whole sample; within-segment intervals are wider, and a driver not "
                               "ranked in a segment is not shown to be unimportant there. Scale scores carry "
                               "measurement error, so these effects are smaller than the SEM's; ranks order point "
                               "estimates, and intervals are not adjusted for the number of segments and drivers.",
        "group_error_untranslated": "The group analysis could not run; the reason is in results.json.",
    },
    "zh": {
        "summary": "摘要", "sample": "样本与数据质量", "demographics": "人口统计特征", "measurement": "测量模型",
        "structural": "结构模型", "groups": "分组比较", "robustness": "稳健性检验：基于量表得分的回归",
        "segments": "用户细分", "strategy": "策略手册", "provenance": "可复现信息", "alternatives": "备择模型",
        "full_results": "完整结果",
        "full_results_note": "本研究每项分析结果的原始输出（数值与 results.json 相同），"
                             "表名与列名保留软件包的英文名称。",
        "respondents": "名受访者", "read": "读取的答卷", "excluded": "剔除", "kept": "纳入分析", "rule": "规则",
        "count": "人数", "construct": "构念", "item": "题项", "items": "题项数", "reliability": "信度与收敛效度",
        "discriminant": "区分效度", "loadings": "标准化因子载荷", "fit": "模型拟合", "hypotheses": "研究假设",
        "path": "路径", "sign": "方向", "supported": "是否支持", "yes": "支持", "no": "不支持",
        "effects": "对结果变量的效应", "effect": "效应", "direct": "直接", "indirect": "间接", "total": "总效应",
        "r2": "解释方差", "truth": "真实 β", "importance": "重要性（总效应 β）", "performance": "表现（0–100）",
        "quadrant": "象限", "levers": "举措", "rank": "排序", "status": "状态", "recommended": "建议实施",
        "not significant": "不显著：不建议投入", "negative effect": "负向效应：行动前需复核",
        "no levers in playbook": "显著，但策略手册中暂无对应举措", "concentrate here": "重点改进",
        "keep up the good work": "保持优势", "low priority": "低优先级", "possible overkill": "可能过度投入",
        "performance does not differ": "表现无显著差异", "importance does not differ": "重要性无显著差异",
        "segment": "细分群体", "share": "占比", "priorities": "优先事项", "ipma": "重要性—表现分析图",
        "method_bias": "共同方法偏差", "efa": "探索性因子分析", "descriptives": "题项描述统计",
        "invariance": "测量不变性", "group_paths": "分组路径", "model": "模型",
        "suppressed": "少于 {k} 人的单元格已隐藏（显示为 <{k}）", "simulated": "由问卷总体模型模拟的数据",
        "collected": "问卷调查数据", "warning": "警告", "none_excluded": "没有剔除任何受访者。", "mean": "均值",
        "sd": "标准差", "skew": "偏度", "kurtosis": "峰度", "floor": "地板 %", "ceiling": "天花板 %",
        "not_run": "未运行（研究配置中已关闭）。", "not_applied": "未执行",
        "rule_attention": "注意力检测题未通过", "rule_speeder": "作答过快", "rule_duplicate": "重复作答",
        "rule_longstring": "连续相同作答过长", "rule_mahalanobis": "多元离群值", "rule_missing_share": "未答题项过多",
        "rule_irv": "作答变异过小", "rule_psychsyn": "同义题作答不一致",
        "note_exclusions": '一名受访者可能触发多条规则；每条剔除记录及其原因见 results.json。',
        "Yuan-Bentler scaled chi-square; robust CFI, TLI and RMSEA": "Yuan-Bentler 校正卡方；稳健 CFI、TLI 与 RMSEA",
        "Yuan-Bentler scaled chi-square; scaled CFI, TLI and RMSEA": "Yuan-Bentler 校正卡方；校正 CFI、TLI 与 RMSEA",
        "scaled-shifted chi-square; robust CFI, TLI and RMSEA": "均值方差校正卡方；稳健 CFI、TLI 与 RMSEA",
        "scaled-shifted chi-square; scaled CFI, TLI and RMSEA": "均值方差校正卡方；校正 CFI、TLI 与 RMSEA",
        "NA: not computable from these data, see the warnings": "NA：无法由这些数据计算，见警告",
        "note_reliability": 'α：Cronbach 系数（Feldt 置信区间）；ω：McDonald 系数（semTools compRelSEM）；CR：基于标准化载荷的组合信度；AVE：平均方差提取量（semTools）。α 与 CR ≥ .70 且 AVE ≥ .50 时显示为绿色。',
        "note_fl": 'Fornell–Larcker 准则：对角线（加粗）为 AVE 的平方根，下三角为潜变量相关系数。',
        "note_htmt": 'HTMT2（几何平均，semTools 默认）及自助法百分位置信区间；低于 .85 时显示为绿色。',
        "note_diagram": 'β：标准化系数。* p < .05，** p < .01，*** p < .001；虚线表示不显著。',
        "note_hypotheses": '当估计值方向符合预期、p < .05 且 95% 置信区间不包含零时，假设得到支持。区间方法：',
        "note_alternatives": '各备择模型均与假设模型进行卡方差异检验（MLR 下为 Satorra–Bentler 校正，WLSMV 下为均值方差校正），适用于嵌套模型；χ²、CFI 与 RMSEA 与拟合摘要一致；AIC/BIC 越小越好（WLSMV 无似然函数，不报告 AIC/BIC）。',
        "note_groups": '各组载荷设为相等；路径相等性的 Wald 检验（红色表示该路径在 p < .05 水平上存在组间差异）。',
        "note_robustness": '以量表均值对每个结构方程进行 OLS 重新估计（标准化系数，HC3 稳健标准误）。最后一列表示方向与显著性是否一致。量表均值含测量误差，因此 OLS 系数通常偏小。',
        "note_ipma": '实心点表示显著。',
        "pls": "PLS-SEM 与 CB-SEM 对照", "pls_reliability": "信度：CB-SEM 与 PLS-SEM", "r_squared": "R²",
        "pls_fit": "PLS-SEM（{scheme}），N = {n}：SRMR = {srmr}，d_ULS = {d_uls}，d_G = {d_g}（估计模型；χ²、CFI 与 RMSEA "
                   "属于 CB-SEM 统计量）",
        "path weighting": "路径加权方案", "factorial": "因子加权方案", "centroid": "重心加权方案",
        "importance_ipma": "重要性（0–100 分数上的总效应）",
        "evidence_ipma": "重要性 = {importance}，95% CI {ci}；总效应 β = {beta}",
        "note_ipma_pls": 'PLS 重要性—表现矩阵分析：重要性为对{outcome} 0–100 分数的非标准化总效应'
                         '（驱动因素每提高 1 分，{outcome}提高的分数），表现为 0–100 PLS 分数的均值；95% 自助法百分位区间；'
                         '实心点表示显著。',
        "pls_set": "PLS-SEM：测量模型与结构模型", "pls_paths": "路径、效应量与共线性",
        "note_pls_set": 'PLS-SEM 采用 seminr 算法（路径加权，模式 A 合成变量，完整样本行）。信度：α（标准化题项）、'
                        'ρC（组合信度）、ρA（Dijkstra–Henseler）与 AVE；ρC ≥ .70、AVE ≥ .50 时显示为绿色。HTMT 基于题项'
                        '相关的绝对值，低于 .85 时显示为绿色；Fornell–Larcker：对角线为 AVE 的平方根，下三角为分数相关。'
                        '载荷低于 .708 时显示为红色。标准误与 95% 置信区间：{ci_method}；p 值：t = β / SE（自由度为重抽样次数 − 1）；'
                        'f²：Cohen 效应量（.02/.15/.35 为小/中/大）；VIF：题项与内部共线性（应低于 3–5）。本研究仅用 '
                        'PLS-SEM：CFA 拟合、基于卡方的模型比较、测量不变性与检验力属于 CB-SEM 分析，不在其中（method: both '
                        '可同时得到）。',
        "r2_adjusted": "调整 R²",
        "planning": "研究规划：统计检验力", "hypothesis": "假设", "not_reached": "未达到",
        "behaviour": "态度之外的行为", "bh_segments": "各细分群体的行为黏性",
        "bh_validity": "黏性量表的效标效度", "bh_sem": "从态度到行为（结构方程模型）",
        "bh_churn": "流失：哪些用户留下", "bh_cox": "流失的Cox模型（问卷构念为协变量）",
        "bh_content": "各细分群体的内容偏好", "bh_rules": "关联规则",
        "bh_playbook": "个性化服务建议", "bh_cohorts": "按周的同期群留存",
        "bh_truth": "模拟真值", "users": "用户数", "criterion": "效标",
        "metric_active_days": "活跃天数", "metric_visits_per_week": "每周活跃天数",
        "metric_active_share": "活跃天数占比", "metric_lifetime_days": "生命周期（天）",
        "metric_read_completion": "阅读完成率", "metric_share_rate": "分享率",
        "metric_sessions": "会话数", "metric_dau_mau": "DAU/MAU", "metric_converted": "转化",
        "metric_churned": "流失", "metric_churned_share": "流失比例", "metric_retained_d1": "次日留存", "metric_retained_d7": "7日留存",
        "metric_retained_d30": "30日留存", "median_lifetime": "中位生命周期（天；– 表示过半用户仍活跃）",
        "survival_30": "S(30)", "survival_60": "S(60)", "days_since_first": "首次出现后的天数",
        "still_active": "仍活跃的比例", "all_users": "全部", "cohort": "同期群", "week": "周",
        "content_market_news": "市场资讯", "content_customer_story": "客户故事",
        "content_product_guide": "产品指南", "content_topic_discussion": "话题讨论",
        "content_promotion": "优惠活动", "weekday": "工作日", "weekend": "周末",
        "morning (06-11)": "上午（6–11时）", "midday (11-14)": "中午（11–14时）",
        "afternoon (14-19)": "下午（14–19时）", "evening (19-23)": "晚间（19–23时）",
        "night (23-06)": "夜间（23–6时）", "antecedent": "若", "consequent": "则",
        "note_behaviour": '行为数据来自使用日志：推送不计为活跃；流失指观察期最后 {churn_after} 天无任何活动（否则为右删失）。'
                          'DAU/MAU 基于最后30天。问卷与日志通过带密钥的假名关联，报告中不出现任何原始标识。',
        "note_bh_validity": 'Pearson r 及 95% Fisher-z 置信区间（同 R 的 cor.test）；ρ：Spearman 相关。',
        "note_bh_cox": '风险比按各量表分数每一个标准差计算（Efron 结处理，同 R 的 coxph）；小于1表示得分越高流失越晚。',
        "note_bh_rules": '支持度：同时满足两侧的用户比例；置信度：P(则 | 若)；提升度大于1表示“若”使“则”比在全体用户中更可能出现'
                         '（Apriori，mlxtend）。',
        "note_planning": '各假设的检验力：以问卷的总体模型为真值进行模拟，在 p < .05 水平上得到支持的模拟研究所占比例。'
                         'RMSEA 检验力：MacCallum、Browne 与 Sugawara（1996）的近似拟合检验。',
        "note_pls": 'PLS-SEM（seminr 算法，路径加权，模式 A 合成变量；95% 自助法百分位区间）与 CB-SEM 的完全标准化估计并列。'
                    'PLS 得分是题项的加权和，保留了测量误差，因此 PLS 载荷通常更高、构念间路径通常更低；CB-SEM 则把构念建模为公共因子'
                    '（Dijkstra & Henseler 2015）。最后一列表示两种方法的结论（方向与显著性）是否一致。',
        "rule_identical_answers": "作答模式与他人完全相同", "rule_irv_min": "作答变异过小",
        "rule_psychsyn_min": "同义题作答不一致",
        "plain_yes": "是", "plain_no": "否", "holds": "是否成立", "same_conclusion": "结论是否一致",
        "configural": "形态不变", "metric": "度量不变", "scalar": "标量不变", "strict": "严格不变",
        "hypothesised": "假设模型",
        "suppressed_blank": "少于 {k} 人的单元格已隐藏（留空）",
        "table": "表 {n}", "table_note": "注：",
        "docx_note_reliability": "CFA：{fit}。α 附 Feldt 置信区间；ω 按 semTools compRelSEM 计算；CR 基于标准化载荷。",
        "docx_note_htmt": "自助法百分位置信区间。",
        "docx_note_hypotheses": "{fit}。区间方法：{ci_method}。",
        "segment_priorities": "各细分群体的优先事项", "kmeans": "k 均值聚类", "gmm": "高斯混合模型",
        "segment_basis": "采用{method}，按{basis}划分（轮廓系数 {silhouette}）：这些驱动因素在模型中不受其他构念影响；"
                         "其余得分仅用于描述各群体。划分时不使用{outcome}或中介变量：若按驱动因素所解释的结果挑选受访者，"
                         "群体内的效应会被低估（偏向零）。",
        "seg_importance": "重要性（95% 置信区间）", "seg_performance": "表现（95% 置信区间）", "priority": "优先度",
        "evidence": "证据",
        "seg_ranked": "效应大于零：纳入排序", "seg_not significant": "置信区间包含零：不排序",
        "seg_negative effect": "负向效应：不排序", "seg_too small to estimate": "样本过少，无法估计（n < {min_n}）",
        "seg_not estimable": "无法估计（该群体内有得分无变异）",
        "note_segment_priorities": "重要性：在每个细分群体内，以{outcome}量表得分对该驱动因素及其不影响的其他驱动因素做 OLS 回归"
                                   "（因此系数为假设模型下的总效应），采用 HC3 稳健标准误与 95% t(df) 置信区间，"
                                   "并以全样本标准差为单位，使各群体可以比较。优先度 = 重要性 × (100 − 群体表现)；"
                                   "仅当置信区间完全大于零时才纳入排序。每个群体至少需要 {min_n} 名受访者（每个预测变量 10 名），"
                                   "人数更少的群体不予估计。",
        "note_segment_caveat": "注意：细分群体是在驱动因素自身的得分上聚类得到的，每个群体覆盖的得分范围比全样本窄，群体内的置信区间因而更宽；"
                               "某驱动因素在某群体中未纳入排序，并不说明它在该群体中不重要。量表得分含测量误差，"
                               "因此这些效应小于结构方程模型的估计；排序依据点估计，置信区间未针对群体数与驱动因素数做多重比较校正。",
        "group_error_untranslated": "该分组分析未能运行，原因记录在 results.json 中。",
    },
}


# ----- sentences written elsewhere in English, translated where they pass through ---------------------
_INVARIANCE_ZH = {"configural": "形态不变性", "metric": "度量不变性", "scalar": "标量不变性", "strict": "严格不变性"}
_MEANING_ZH = {
    "paths and correlations can be compared across groups, latent means cannot": "路径与相关系数可跨组比较，潜变量均值不可比较",
    "latent means, paths and correlations can be compared across groups": "潜变量均值、路径与相关系数均可跨组比较",
    "observed scale scores can also be compared across groups": "观测量表得分也可跨组比较",
}
_CI_ZH = {"percentile": "百分位", "bca": "BCa", "studentized": "学生化（bootstrap-t）"}
_CI_EN = {"bca": "BCa", "studentized": "studentized (bootstrap-t)"}
_BOOTSTRAP = re.compile(r"bootstrap (?P<ci>\w+) \((?P<n>\d+)\)")
_REASONS_ZH = {  # responses/quality.py: why a cleaning rule could not be applied
    "the data hold no attention-check answers": "数据中没有注意力检测题的作答",
    "the data carry no completion times (Kobo and SPSS exports usually have none)":
        "数据中没有作答时长（Kobo 与 SPSS 导出文件通常不含）",
    "the data carry no respondent ids, IP addresses or submission times": "数据中没有受访者编号、IP 地址或提交时间",
    "too few complete responses (needs more than the number of items)": "完整答卷过少（需多于题项数）",
}
_INDEX_ZH = {"longstring": "连续相同作答", "missing_share": "未答比例", "irv": "作答变异", "psychsyn": "同义题一致性"}


def _rule_zh(rule: str) -> str:
    return LABELS["zh"].get(f"rule_{rule}", rule)


def _reason_zh(why: str) -> str:
    found = re.fullmatch(r"the (\w+) index could not be computed for any respondent", why)
    if found:
        return f"无法为任何受访者计算{_INDEX_ZH.get(found[1], found[1])}指标"
    return _REASONS_ZH.get(why, why)


def _in_group_zh(group: str | None) -> str:
    return f"（{group} 组）" if group else ""


def _group_zh(group: str | None) -> str:
    return f"“{group}”组" if group else ""


def _group_prefix_zh(group: str | None) -> str:
    """A multi-group fit's note opens with its group (sem/categorical.py: ``group 'x': ...``)."""
    return f"“{group}”组：" if group else ""


def _list_zh(names: str) -> str:
    """Group names listed with the Chinese enumeration comma."""
    return names.replace(", ", "、")


def _no_variance_zh(parts: str) -> str:
    out = []
    for part in parts.split("; "):
        empty = re.fullmatch(r"item\(s\) (.+) have no answers at all", part)
        same = re.fullmatch(r"item\(s\) (.+) have the same answer from every respondent", part)
        out.append(f"题项 {empty[1]} 无任何作答" if empty else f"题项 {same[1]} 所有受访者作答相同" if same else part)
    return "；".join(out)


_ZH: list[tuple[re.Pattern, Callable[[re.Match], str]]] = [(re.compile(p), f) for p, f in [
    # sem/invariance.py InvarianceResult.verdict()
    (r"Only configural invariance across (?P<g>.+?) \((?P<gs>.*)\): loadings differ, so construct scores and paths "
     r"are not comparable across groups\.",
     lambda m: f"在 {m['g']}（{_list_zh(m['gs'])}）各组间仅满足形态不变性：因子载荷存在组间差异，构念得分与路径不能跨组比较。"),
    (r"(?P<lvl>Metric|Scalar|Strict) invariance holds across (?P<g>.+?) \((?P<gs>.*)\): (?P<meaning>.+)\.",
     lambda m: f"在 {m['g']}（{_list_zh(m['gs'])}）各组间满足{_INVARIANCE_ZH[m['lvl'].lower()]}："
               f"{_MEANING_ZH.get(m['meaning'], m['meaning'])}。"),
    # report/build.py: the Mardia line
    (r"Mardia's multivariate skewness = (?P<b1>\S+), χ²\((?P<df>\d+)\) = (?P<x2>\S+), (?P<p1>p [=<] \S+); "
     r"kurtosis = (?P<b2>\S+), z = (?P<z>\S+), (?P<p2>p [=<] \S+)\.",
     lambda m: f"Mardia 多元偏度 = {m['b1']}，χ²({m['df']}) = {m['x2']}，{m['p1']}；"
               f"多元峰度 = {m['b2']}，z = {m['z']}，{m['p2']}。"),
    # sem/hypotheses.py: the interval method
    (r"wald", lambda m: "Wald 置信区间"),
    (r"bootstrap (?P<ci>\w+) \((?P<n>\d+)\)",
     lambda m: f"自助法{_CI_ZH.get(m['ci'], m['ci'])}置信区间（{m['n']} 次重抽样）"),
    # responses/quality.py: screening notes
    (r"rule '(?P<rule>\w+)' not applied: (?P<why>.+)\.", lambda m: f"规则“{_rule_zh(m['rule'])}”未执行：{_reason_zh(m['why'])}。"),
    (r"(?P<label>.+): 未执行 \((?P<why>.+)\)", lambda m: f"{m['label']}：未执行（{_reason_zh(m['why'])}）"),
    (r"rule '(?P<rule>\w+)' excludes (?P<k>\d+) of (?P<n>\d+) respondents \((?P<pct>[\d.]+ ?%)\); a rule that removes "
     r"so many is probably misconfigured or misreads the data\. Check it before relying on the cleaned data\.",
     lambda m: f"规则“{_rule_zh(m['rule'])}”剔除了 {m['n']} 名受访者中的 {m['k']} 名（{m['pct']}）；剔除如此之多，"
               "该规则可能设置有误或误读了数据，请先核查再使用清洗后的数据。"),
    (r"no variance: (?P<parts>.+)\. They carry no information and break reliability and model estimates; check the "
     r"export \(a shifted, empty or filled-down column\)\.",
     lambda m: f"无变异：{_no_variance_zh(m['parts'])}。这些题项不含信息，会破坏信度与模型估计；"
               "请检查导出文件（列错位、空列或向下填充的列）。"),
    # study.py: too small a sample
    (r"only (?P<n>\d+) respondents for (?P<k>\d+) items: too few for this model \(at least (?P<min>\d+): 100 and 5 "
     r"per item\); estimates, p values and intervals are unstable, so treat 'supported' as provisional\.",
     lambda m: f"{m['k']} 个题项只有 {m['n']} 名受访者：样本量不足（至少需要 {m['min']} 名：不少于 100 名且每题 5 名）；"
               "估计值、p 值与置信区间都不稳定，“支持”的结论只能视为暂定。"),
    # sem/fit.py: why a (multi-group) model cannot be fitted; study.py reports them as group-analysis errors
    (r"only (?P<n>\d+) complete rows(?: in group '(?P<g>[^']*)')? for (?P<p>\d+) observed variables; the sample "
     r"covariance matrix cannot be estimated\.",
     lambda m: f"{_group_zh(m['g'])}只有 {m['n']} 行完整数据，不多于观测变量数（{m['p']} 个），无法估计样本协方差矩阵。"),
    (r"variable '(?P<v>[^']*)' is constant(?: in group '(?P<g>[^']*)')?(?: \(no variance\))?; it cannot be "
     r"modelled\. Remove it from the model\.",
     lambda m: f"变量 {m['v']}{_in_group_zh(m['g'])}为常数（无变异），无法建模；请将其移出模型。"),
    (r"variable '(?P<v>[^']*)' has no observed value(?: in group '(?P<g>[^']*)')?; it cannot be modelled\. Remove "
     r"it from the model or check the data import\.",
     lambda m: f"变量 {m['v']}{_in_group_zh(m['g'])}没有任何观测值，无法建模；请将其移出模型或检查数据导入。"),
    (r"the sample covariance matrix(?: in group '(?P<g>[^']*)')? is not positive definite \(an item is a linear "
     r"combination of others\)\. Remove duplicated items\.",
     lambda m: f"{_group_zh(m['g'])}样本协方差矩阵非正定（某个题项是其他题项的线性组合）；请删除重复的题项。"),
    (r"group column '(?P<g>[^']*)' has (?P<k>\d+) group\(s\); a multi-group model needs two\.",
     lambda m: f"分组变量 {m['g']} 只有 {m['k']} 个组；多组模型至少需要两个组。"),
    (r"the model did not converge in (?P<n>\d+) iterations \(largest gradient (?P<gr>\S+)\)\. Check for a construct "
     r"whose items do not correlate, a mis-typed variable, or too small a sample for the model\.",
     lambda m: f"模型在 {m['n']} 次迭代内未收敛（最大梯度 {m['gr']}）。请检查是否有构念的题项彼此不相关、变量名有误，"
               "或样本量对该模型而言过小。"),
    # sem/fit.py: estimation notes
    (r"Heywood case: the variance of (?P<v>\S+)(?: in group '(?P<g>[^']*)')? is negative \((?P<e>\S+)\); the model "
     r"may be mis-specified or the sample too small\.",
     lambda m: f"Heywood 案例：{m['v']}{_in_group_zh(m['g'])} 的方差为负（{m['e']}）；模型可能设定有误，或样本量过小。"),
    (r"(?P<n>\d+) incomplete row\(s\) dropped listwise; missing='ml' uses them \(full-information ML\)\.",
     lambda m: f"{m['n']} 行不完整数据被成列删除；设置 missing='ml'（全信息最大似然）可加以利用。"),
    (r"label\(s\) (?P<v>.+?) given once in a multi-group model hold their parameters equal across the groups "
     r"\(lavaan warns the same\); to estimate them per group give one label per group, e\.g\. c\(a1, a2\)\*x\.",
     lambda m: f"多组模型中只写一次的标签 {_list_zh(m['v'].replace(chr(39), ''))} 会使其参数在各组间相等（lavaan 同样会警告）；"
               "若要各组分别估计，请每组给一个标签，例如 c(a1, a2)*x。"),
    (r"meanstructure=False overridden: (?P<why>.+?) needs the means and intercepts \(lavaan sets meanstructure = "
     r"TRUE there too\)\.",
     lambda m: f"已改为估计均值结构（不按所设的不估计均值）：{_MEANS_WHY_ZH.get(m['why'], m['why'])}需要均值与截距（lavaan "
               "同样如此）。"),
    (r"(?P<n>\d+) row\(s\) without a value in the group column '(?P<g>[^']*)' left out: they belong to no group\.",
     lambda m: f"{m['n']} 行在分组列 {m['g']} 中没有取值，已排除：它们不属于任何组。"),
    # sem/categorical.py and sem/ordinal.py: notes of a fit of ordered items (WLSMV)
    (r"ordered item\(s\) (?P<v>.+) only predict \(exogenous covariates\): they enter as numbers the model is "
     r"conditioned on, not as ordered items \(lavaan warns the same\); to model one as ordinal, make it an indicator "
     r"of a factor of its own \('(?P<f>[^']*)'\)\.",
     lambda m: f"有序题项 {_list_zh(m['v'].replace(chr(39), ''))} 只作预测变量（外生协变量）：它们以数值进入、模型以其为条件，"
               f"而非作为有序题项（lavaan 同样会警告）；若要按有序处理，请让它成为单独一个因子的指标（'{m['f']}'）。"),
    (r"(?P<n>\d+) incomplete row\(s\) dropped listwise \(lavaan's default for categorical data; missing='pairwise' "
     r"keeps them\)\.",
     lambda m: f"{m['n']} 行不完整数据被成列删除（lavaan 对类别数据的默认做法）；设置 missing='pairwise' 可加以保留。"),
    (r"missing answers handled pairwise: thresholds from each item's answers, polychoric correlations from the rows "
     r"answering both \(lavaan missing = \"pairwise\"\)(?:; (?P<n>\d+) row\(s\) without any answer left out)?\.",
     lambda m: "缺失作答按成对方式处理：阈值取自各题项的全部作答，多分格相关取自两题都作答的行（lavaan missing = "
               "\"pairwise\"）" + (f"；{m['n']} 行没有任何作答，未纳入。" if m["n"] else "。")),
    (r"(?:group '(?P<g>[^']*)': )?the correlation of '(?P<a>[^']*)' and '(?P<b>[^']*)' is \(nearly\) 1 "
     r"\((?P<r>\S+)\)\.",
     lambda m: f"{_group_prefix_zh(m['g'])}{m['a']} 与 {m['b']} 的相关（几乎）为 1（{m['r']}）。"),
    (r"(?:group '(?P<g>[^']*)': )?the correlation of '(?P<a>[^']*)' and '(?P<b>[^']*)' \((?P<r>\S+)\) sits where "
     r"their likelihood is flat: every respondent's score for it is \(nearly\) zero, so its sampling variance is "
     r"undefined: the fit gives it almost no weight, and the robust test and fit measures that use its variance are "
     r"not to be trusted\. Their answers are \(nearly\) separated, e\.g\. all of a rare category in one category of "
     r"the other item: merge sparse categories or leave one item out\.",
     lambda m: f"{_group_prefix_zh(m['g'])}{m['a']} 与 {m['b']} 的相关（{m['r']}）处于似然函数的平坦区：每名受访者对它的得分"
               "（几乎）为零，其抽样方差无从确定；拟合几乎不给它权重，用到其方差的稳健检验与拟合指标不可信。两题作答"
               "（几乎）完全分离，例如某个稀少类别全部落在另一题的同一类别中：请合并稀疏类别或去掉其中一题。"),
    (r"(?:group '(?P<g>[^']*)': )?up to (?P<n>\d+) respondent\(s\) with extreme values of '(?P<v>[^']*)' are left out "
     r"of its polyserial correlations, as lavaan does where their likelihood is below sqrt\(machine eps\); that "
     r"cut-off depends on the variable's unit, so check these values or rescale the variable\.",
     lambda m: f"{_group_prefix_zh(m['g'])}{m['v']} 取极端值的至多 {m['n']} 名受访者未纳入其多序列相关（与 lavaan 一致：其似然"
               "低于 sqrt(机器精度)）；该界限取决于变量的单位，请检查这些值或对变量重新标度。"),
    (r"the parameters' covariance matrix \(vcov\) is not positive definite: its smallest eigenvalue is (?P<e>\S+) "
     r"\((?P<where>close to|below) zero\), a sign that the model is not identified \(lavaan warns the same\); "
     r"standard errors near 0 and very large z values are not to be trusted\. Check for items that copy each other "
     r"or a correlation of \(nearly\) 1\.",
     lambda m: f"参数协方差矩阵（vcov）非正定：其最小特征值为 {m['e']}（{'接近' if m['where'] == 'close to' else '小于'}零），"
               "提示模型可能无法识别（lavaan 给出同样的警告）；接近 0 的标准误与极大的 z 值不可信。请检查是否有相互复制的题项"
               "或（几乎）为 1 的相关。"),
    (r"(?:group '(?P<g>[^']*)': )?the information matrix of the univariate statistics of (?P<v>.+?) is singular, so a "
     r"generalized inverse was used for the weight matrix, as lavaan does \(\"trouble constructing W matrix\"\); a "
     r"binary item analysed as continuous does this \(its mean and variance carry the same information\): declare it "
     r"ordered\.",
     lambda m: f"{_group_prefix_zh(m['g'])}{_list_zh(m['v'].replace(chr(39), ''))} 的单变量统计量信息矩阵奇异，权重矩阵改用广义逆（与 lavaan "
               "一致：“trouble constructing W matrix”）；把二分题项当作连续变量分析会出现这种情况（其均值与方差携带相同信息）："
               "请将其声明为有序变量。"),
    (r"(?:group '(?P<g>[^']*)': )?ordered item '(?P<v>[^']*)' has (?P<k>\d+) categories, more than 12 \(lavaan warns "
     r"too\): with that many answers it is usually better analysed as continuous, or its categories merged\.",
     lambda m: f"{_group_prefix_zh(m['g'])}有序题项 {m['v']} 有 {m['k']} 个类别，超过 12 个（lavaan 同样会警告）："
               "类别如此之多时，通常更适合作为连续变量分析，或合并其类别。"),
    (r"inequality constraint active: (?P<p>'[^']*'(?: \([^)]*\))?) is held at its bound (?P<v>\S+) \(its SE is (?P<se>0|NA), as "
     r"lavaan's\); the test statistic does not follow a chi-square distribution at a boundary\.",
     lambda m: f"不等式约束生效：参数 {m['p']} 停留在边界值 {m['v']}（其标准误为 {m['se']}，与 lavaan 一致）；"
               "在边界上检验统计量不服从卡方分布。"),
]]
_METHODS_ZH = {"kmeans": "k 均值聚类", "gmm": "高斯混合模型"}
_MEANS_WHY_ZH = {"missing='ml'": "全信息最大似然估计", "a growth model": "增长模型", "ordered items": "有序题项",
                 "group_equal ['intercepts']": "跨组等同截距", "group_equal ['means']": "跨组等同均值",
                 "group_equal ['intercepts', 'means']": "跨组等同截距与均值"}


def translate(text: str, language: str) -> str:
    """``text`` (an English sentence made by the statistics layer) in ``language``; unchanged when unknown.

    >>> translate("bootstrap percentile (1000)", "zh")
    '自助法百分位置信区间（1000 次重抽样）'
    >>> translate("bootstrap percentile (1000)", "en")
    'bootstrap percentile (1000)'
    >>> translate("bootstrap bca (1000)", "en")
    'bootstrap BCa (1000)'
    """
    if language != "zh":  # English: the interval's own name (the statistics layer writes the ci= value)
        found = _BOOTSTRAP.fullmatch(str(text).strip())
        return f"bootstrap {_CI_EN.get(found['ci'], found['ci'])} ({found['n']})" if found else text
    text = str(text)
    if text in _METHODS_ZH:
        return _METHODS_ZH[text]
    for pattern, replace in _ZH:
        found = pattern.fullmatch(text.strip())
        if found:
            return replace(found)
    return text


class Labels(dict):
    """One language's labels (``L["summary"]``, ``L.summary`` in templates) and ``L.tr(text)`` for sentences
    made elsewhere in English."""

    def __init__(self, language: str, table: dict[str, str]):
        super().__init__(table)
        self.language = language

    def tr(self, text: str) -> str:
        """``text`` translated into this language when it is a known English sentence (see :func:`translate`)."""
        return translate(text, self.language)


def labels(language: str) -> Labels:
    """Labels for a language; English for any language without its own table."""
    language = language if language in LABELS else "en"
    return Labels(language, LABELS[language])
