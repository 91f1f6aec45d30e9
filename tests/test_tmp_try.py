from portal_fixtures import portal_store_fixture, portal_template_fixture  # noqa
from portal_eval_fixtures import publishable_fixture  # noqa
from round_fixtures import planted_check  # noqa

def test_try(publishable):
    c = publishable.client_for("eval")
    r = c.get("/rounds"); print(r.status_code); print(r.text[-2500:])
    r = c.get("/rounds/2025Q2/publish"); print(r.status_code); print(r.text[-2500:])
    r = c.post("/rounds/2025Q2/publish", data={"csrf_token": c.csrf_token, "deadline": "2099-01-01"}, follow_redirects=False); print(r.status_code, r.headers.get("location"), r.text[-1500:])
    r = c.get("/rounds"); print(r.text[-1800:])
