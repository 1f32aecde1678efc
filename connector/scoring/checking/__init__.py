"""The model file checker's parts, one concern each: reporting problems with their file line and
fix (report.py), conditions (conditions.py), fit and engagement rules with their decay
(rules.py), labels, grades and stages (verdicts.py). `connector.scoring.checker` joins them."""
