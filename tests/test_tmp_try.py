from portal_fixtures import portal_store_fixture, portal_template_fixture  # noqa
from portal_eval_fixtures import publishable_fixture  # noqa
from round_fixtures import planted_check  # noqa
import re

def test_try(publishable):
    c = publishable.client_for("eval")
    r = c.get("/rounds/2025Q2/problems"); print(r.status_code); print(r.text[r.text.index("<main"):])
    fp = re.search(r'name="fp" value="([^"]+)"', r.text).group(1)
    r = c.get(f"/rounds/2025Q2/problems/{fp}?back=status%3Dnew"); print(r.status_code); print(r.text[r.text.index("<main"):])
