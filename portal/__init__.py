"""The web portal (门户): evaluators review and publish rounds; units see their own results,
answer their 整改清单 and see answers accepted or sent back. FastAPI + Jinja2, server-rendered.
"""
