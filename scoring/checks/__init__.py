"""Check types (检查类型), one module each; the registry is `scoring.checks.base`.

Modules starting with "_" hold shared helpers (`_scope`: what a check may look at;
`_interpretation`: document ↔ interpretation pairs) and are not check types.
"""
