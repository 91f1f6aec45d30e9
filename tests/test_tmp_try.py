from portal_fixtures import portal_store_fixture, portal_template_fixture  # noqa
from portal_eval_fixtures import publishable_fixture  # noqa
from round_fixtures import planted_check  # noqa
import datetime as dt, re
from portal import lifecycle, answers

def test_try(publishable):
    store = publishable.store
    lifecycle.publish(store, "2025Q2", by="eval", deadline=dt.date(2099,1,1))
    c = publishable.client_for("eval")
    r = c.get("/rounds/2025Q2/units/dept1")
    fps = re.findall(r'/problems/([0-9a-f]{16})"', r.text)
    print(fps)
    on = answers.answer_online(store, "2025Q2", "dept1", fps[0], "rectified", "已更新栏目", "u_dept1")
    r = c.get("/rounds/2025Q2/units/dept1"); print(r.status_code); t=r.text; print(t[t.index("问题与整改答复"):t.index("历次测评")])
    r = c.post(f"/rounds/2025Q2/units/dept1/answers/{on.response_id}/review", data={"csrf_token": c.csrf_token, "verdict": "sent_back", "comment": ""})
    print(r.status_code, re.findall(r'class="error"[^<]*', r.text))
    r = c.post(f"/rounds/2025Q2/units/dept1/answers/{on.response_id}/review", data={"csrf_token": c.csrf_token, "verdict": "sent_back", "comment": "<b>请补充截图</b>"}, follow_redirects=False)
    print(r.status_code, r.headers.get("location"))
    r = c.get(r.headers["location"]); t=r.text; print(t[t.index('id="answer-'):t.index('id="answer-')+900])
    c1 = publishable.client_for("eval_c1")
    r = c1.post(f"/rounds/2025Q2/units/t1/answers/{on.response_id}/review", data={"csrf_token": c1.csrf_token, "verdict": "accepted", "comment": ""})
    print("c1 foreign", r.status_code, re.findall(r'class="error"[^<]*', r.text))
    r = c1.post(f"/rounds/2025Q2/units/dept1/answers/{on.response_id}/review", data={"csrf_token": c1.csrf_token, "verdict": "accepted", "comment": ""})
    print("c1 foreign2", r.status_code)
