from portal_fixtures import portal_store_fixture, portal_template_fixture  # noqa
from portal_eval_fixtures import publishable_fixture  # noqa
from round_fixtures import planted_check  # noqa
import re

def test_try(publishable):
    c = publishable.client_for("eval")
    r = c.get("/rounds/2025Q2/units/dept1"); print(r.status_code); print(r.text[r.text.index("<main"):])
    for f in ("xlsx", "csv", "html"):
        r = c.get("/rounds/2025Q2/units/dept1/checklist." + f); print(r.status_code, r.headers.get("content-disposition"), r.headers.get("content-type"), len(r.content))
    r = c.get("/rounds/2025Q2/units/dept1/checklist.pdf"); print(r.status_code)
    c = publishable.client_for("eval_c1")
    r = c.get("/rounds/2025Q2/units/dept1"); print(r.status_code)
    r = c.get("/rounds/2025Q2/units/dept1/checklist.csv"); print(r.status_code)
