"""The eval suite: buyer cases with what a real executive would surely do (`cases`), played on
several seeds with recorded model lines, and the self-describing report with its baseline diff
(`report`). The calibration set is graded by `coach.grading.calibration`.
"""
