"""Report wording in English and Chinese: section titles, column headers and fixed sentences.

Construct names, item texts and hypotheses come from the questionnaire in the same language; lever
texts from the playbook. One dictionary per language keeps the two reports parallel.
"""

from __future__ import annotations

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "summary": "Summary", "sample": "Sample and data quality", "demographics": "Demographics",
        "measurement": "Measurement model", "structural": "Structural model", "groups": "Groups",
        "robustness": "Robustness check: regression on scale scores", "segments": "Segments",
        "strategy": "Strategy playbook", "provenance": "Provenance", "alternatives": "Alternative models",
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
        "note_reliability": 'α: Cronbach (Feldt CI); ω: McDonald (semTools compRelSEM); CR: composite reliability from standardized loadings; AVE: semTools. Green when α and CR ≥ .70 and AVE ≥ .50.',
        "note_fl": 'Fornell–Larcker: √AVE on the diagonal (bold), latent correlations below.',
        "note_htmt": 'HTMT2 (geometric means; semTools default) with bootstrap percentile CI; green when below .85.',
        "note_diagram": 'β: standardized coefficients. * p < .05, ** p < .01, *** p < .001; dashed: not significant.',
        "note_hypotheses": 'A hypothesis is supported when its interval excludes zero on the expected side. Intervals:',
        "note_alternatives": 'Each rival is tested against the hypothesised model by a chi-square difference test (Satorra–Bentler scaled for MLR), valid when it is nested in it; smaller AIC/BIC is better.',
        "note_groups": 'Loadings held equal across groups; Wald test of equal paths (red: the path differs at p < .05).',
        "note_robustness": 'Each structural equation re-estimated by OLS on scale means (standardized betas, HC3 robust SEs). The last column says whether sign and significance agree. Scale means carry measurement error, so OLS betas are usually smaller.',
        "note_ipma": 'filled points are significant.',
    },
    "zh": {
        "summary": "摘要", "sample": "样本与数据质量", "demographics": "人口统计特征", "measurement": "测量模型",
        "structural": "结构模型", "groups": "分组比较", "robustness": "稳健性检验：基于量表得分的回归",
        "segments": "用户细分", "strategy": "策略手册", "provenance": "可复现信息", "alternatives": "备择模型",
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
        "note_reliability": 'α：Cronbach 系数（Feldt 置信区间）；ω：McDonald 系数（semTools compRelSEM）；CR：基于标准化载荷的组合信度；AVE：平均方差提取量（semTools）。α 与 CR ≥ .70 且 AVE ≥ .50 时显示为绿色。',
        "note_fl": 'Fornell–Larcker 准则：对角线（加粗）为 AVE 的平方根，下三角为潜变量相关系数。',
        "note_htmt": 'HTMT2（几何平均，semTools 默认）及自助法百分位置信区间；低于 .85 时显示为绿色。',
        "note_diagram": 'β：标准化系数。* p < .05，** p < .01，*** p < .001；虚线表示不显著。',
        "note_hypotheses": '当置信区间在预期方向上不包含零时，假设得到支持。区间方法：',
        "note_alternatives": '各备择模型均与假设模型进行卡方差异检验（MLR 下为 Satorra–Bentler 校正），适用于嵌套模型；AIC/BIC 越小越好。',
        "note_groups": '各组载荷设为相等；路径相等性的 Wald 检验（红色表示该路径在 p < .05 水平上存在组间差异）。',
        "note_robustness": '以量表均值对每个结构方程进行 OLS 重新估计（标准化系数，HC3 稳健标准误）。最后一列表示方向与显著性是否一致。量表均值含测量误差，因此 OLS 系数通常偏小。',
        "note_ipma": '实心点表示显著。',
    },
}


def labels(language: str) -> dict[str, str]:
    """Labels for a language; English for any language without its own table."""
    return LABELS.get(language, LABELS["en"])
