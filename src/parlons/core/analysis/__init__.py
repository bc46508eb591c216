"""Consultation analysis bench: read contributions, normalise French text, find duplicates and
campaigns, group themes, classify typology/stance, flag spam, and write the bilan.

Django-free: pure Python, NumPy, SciPy and scikit-learn; nothing is downloaded at run time.
"""
