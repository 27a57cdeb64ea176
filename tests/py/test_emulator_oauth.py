"""OAuth 2.0 endpoints of the emulator, error paths included: authorization
endpoint (HTML error pages vs redirects), token endpoint (code, refresh,
device grants; flat Google error bodies), revoke, tokeninfo, device flow,
and the files it writes."""
import base64
import json
import os
import stat
import time
import urllib.parse

import pytest

from emulator.testing import pkce_pair, start_emulator

YT = "https://www.googleapis.com/auth/"
RO = YT + "youtube.readonly"
RU = "http://127.0.0.1:8123/"


@pytest.fixture(scope="module")
def emu(tmp_path_factory):
    e = start_emulator(str(tmp_path_factory.mktemp("oauth") / "emu"),
                       device_interval=1, quiet=True)
    yield e
    e.stop()


def auth_params(emu, **over):
    verifier, challenge = pkce_pair()
    p = {"client_id": emu.client_id, "redirect_uri": RU,
         "response_type": "code", "scope": RO, "state": "xyz",
         "code_challenge": challenge, "code_challenge_method": "S256",
         "access_type": "offline"}
    p.update(over)
    return {k: v for k, v in p.items() if v is not None}, verifier


def location_query(r):
    assert r.status == 302, (r.status, r.text()[:300])
    loc = r.headers["location"]
    return loc, dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(loc).query))


def token_form(emu, **over):
    f = {"client_id": emu.client_id, "client_secret": emu.client_secret}
    f.update(over)
    return {k: v for k, v in f.items() if v is not None}


def post_token(emu, headers=None, **form):
    return emu.request("POST", "/token", form=form, headers=headers)


def code_for(emu, **over):
    params, verifier = auth_params(emu, **over)
    _, q = location_query(emu.request("GET", "/o/oauth2/v2/auth",
                                      params=params))
    return q["code"], verifier, params


def flat_error(r, status, error, description=None):
    assert r.status == status, (r.status, r.text()[:300])
    body = r.json()
    assert set(body) == {"error", "error_description"}, body
    assert body["error"] == error
    if description is not None:
        assert body["error_description"] == description
    return body


# ---------------------------------------------------------------- files

def test_files_written_in_google_format(emu):
    with open(emu.client_secret_path) as f:
        cs = json.load(f)
    inst = cs["installed"]
    assert inst["client_id"].endswith(".apps.googleusercontent.com")
    assert inst["client_secret"].startswith("GOCSPX-")
    assert inst["auth_uri"] == emu.base_url + "/o/oauth2/auth"
    assert inst["token_uri"] == emu.base_url + "/token"
    assert inst["redirect_uris"] == ["http://localhost"]
    with open(emu.device_client_secret_path) as f:
        dev = json.load(f)["installed"]
    assert dev["client_id"] != inst["client_id"]
    assert emu.api_key.startswith("AIza") and len(emu.api_key) == 39
    for name in ("client_secret.json", "client_secret_device.json",
                 "api_key.txt"):
        mode = os.stat(os.path.join(emu.data_dir, name)).st_mode
        assert stat.S_IMODE(mode) == 0o600
    assert emu.base_url.startswith("http://127.0.0.1:")


def test_secrets_never_in_the_log(emu):
    tok = emu.obtain_tokens([RO])
    emu.api("channels", token=tok["access_token"], part="id", mine="true")
    emu.api("videos", key=True, part="id", id="x")
    with open(os.path.join(emu.data_dir, "emulator.log")) as f:
        log = f.read()
    dump = json.dumps(emu.requests_log()) + log
    for secret in (emu.client_secret, emu.api_key, tok["access_token"],
                   tok["refresh_token"]):
        assert secret not in dump


# ---------------------------------------------------------------- /auth

def test_authorization_redirects_with_code_state_scope(emu):
    params, _ = auth_params(emu, scope=RO + " " + YT + "youtube.force-ssl")
    loc, q = location_query(emu.request("GET", "/o/oauth2/v2/auth",
                                        params=params))
    assert loc.startswith(RU + "?")
    assert list(q) == ["state", "code", "scope"]
    assert q["state"] == "xyz"
    assert q["code"].startswith("4/0A")
    assert q["scope"] == RO + " " + YT + "youtube.force-ssl"
    # the legacy path works too, with localhost and [::1] loopback forms
    for ru in ("http://localhost:5555/cb", "http://[::1]:7/",
               "http://127.0.0.1/"):
        params, _ = auth_params(emu, redirect_uri=ru)
        loc, q = location_query(emu.request("GET", "/o/oauth2/auth",
                                            params=params))
        assert loc.startswith(ru + "?") and "code" in q


@pytest.mark.parametrize("over,status,error,text", [
    ({"client_id": None}, 400, "invalid_request", "client_id"),
    ({"client_id": "nope.apps.googleusercontent.com"}, 401,
     "invalid_client", "The OAuth client was not found."),
    ({"redirect_uri": None}, 400, "invalid_request", "redirect_uri"),
    ({"redirect_uri": "urn:ietf:wg:oauth:2.0:oob"}, 400, "invalid_request",
     "The out-of-band (OOB) flow has been blocked"),
    ({"redirect_uri": "https://evil.example.com/cb"}, 400,
     "redirect_uri_mismatch", "redirect_uri=https://evil.example.com/cb"),
    ({"redirect_uri": "http://10.0.0.1:80/"}, 400, "redirect_uri_mismatch",
     "OAuth 2.0 policy"),
    ({"response_type": None}, 400, "invalid_request", "response_type"),
    ({"response_type": "token"}, 400, "unsupported_response_type", "token"),
    ({"scope": None}, 400, "invalid_request", "scope"),
    ({"scope": YT + "youtube.bogus"}, 400, "invalid_scope",
     "youtube.bogus"),
    ({"code_challenge": "short"}, 400, "invalid_request", "code_challenge"),
    ({"code_challenge_method": "S512"}, 400, "invalid_request",
     "code_challenge_method"),
    ({"code_challenge": None}, 400, "invalid_request",
     "without a code_challenge"),
    ({"access_type": "forever"}, 400, "invalid_request", "access_type"),
    ({"prompt": "none consent"}, 400, "invalid_request", "prompt=none"),
    ({"prompt": "sometimes"}, 400, "invalid_request", "Invalid prompt"),
    ({"flavour": "vanilla"}, 400, "invalid_request",
     "Parameter not allowed for this message type: flavour"),
])
def test_authorization_errors_are_html_pages(emu, over, status, error, text):
    params, _ = auth_params(emu, **over)
    r = emu.request("GET", "/o/oauth2/v2/auth", params=params)
    assert r.status == status
    assert "location" not in r.headers
    assert r.headers["content-type"].startswith("text/html")
    page = r.text()
    assert "Error %d: %s" % (status, error) in page
    import html
    assert text in html.unescape(page)


def test_device_client_cannot_use_the_browser_flow(emu):
    params, _ = auth_params(emu, client_id=emu.device_client_id)
    r = emu.request("GET", "/o/oauth2/v2/auth", params=params)
    assert r.status == 400 and "invalid_request" in r.text()


def test_error_page_escapes_reflected_input(emu):
    params, _ = auth_params(emu, scope="<script>alert(1)</script>")
    r = emu.request("GET", "/o/oauth2/v2/auth", params=params)
    assert r.status == 400
    assert "<script>" not in r.text()
    assert "&lt;script&gt;" in r.text()


def test_consent_deny_and_prompt_none(tmp_path):
    e = start_emulator(str(tmp_path / "emu"), consent="deny", quiet=True)
    try:
        params, _ = auth_params(e)
        _, q = location_query(e.request("GET", "/o/oauth2/v2/auth",
                                        params=params))
        assert q == {"state": "xyz", "error": "access_denied"}
        e.set_consent("approve")
        # prompt=none before any grant: consent_required
        params, _ = auth_params(e, prompt="none")
        _, q = location_query(e.request("GET", "/o/oauth2/v2/auth",
                                        params=params))
        assert q["error"] == "consent_required"
        params, _ = auth_params(e)
        _, q = location_query(e.request("GET", "/o/oauth2/v2/auth",
                                        params=params))
        assert "code" in q
        params, _ = auth_params(e, prompt="none")
        _, q = location_query(e.request("GET", "/o/oauth2/v2/auth",
                                        params=params))
        assert "code" in q
    finally:
        e.stop()


# ---------------------------------------------------------------- /token

def test_code_exchange_response_shape_and_single_use(emu):
    code, verifier, _ = code_for(emu, prompt="consent")
    form = token_form(emu, grant_type="authorization_code", code=code,
                      redirect_uri=RU, code_verifier=verifier)
    r = post_token(emu, **form)
    assert r.status == 200
    tok = r.json()
    assert set(tok) == {"access_token", "expires_in", "refresh_token",
                        "scope", "token_type"}
    assert tok["access_token"].startswith("ya29.")
    assert tok["refresh_token"].startswith("1//")
    assert tok["token_type"] == "Bearer"
    assert tok["scope"] == RO and isinstance(tok["scope"], str)
    assert 3590 <= tok["expires_in"] <= 3600
    assert "no-store" in r.headers["cache-control"]
    # the code is single-use
    flat_error(post_token(emu, **form), 400, "invalid_grant", "Bad Request")


def test_refresh_grant_has_no_new_refresh_token(emu):
    tok = emu.obtain_tokens([RO], prompt="consent")
    r = post_token(emu, **token_form(emu, grant_type="refresh_token",
                                     refresh_token=tok["refresh_token"]))
    assert r.status == 200
    out = r.json()
    assert "refresh_token" not in out
    assert set(out) == {"access_token", "expires_in", "scope", "token_type"}
    assert out["access_token"] != tok["access_token"]
    # narrower scope is allowed, a wider one is not
    r = post_token(emu, **token_form(emu, grant_type="refresh_token",
                                     refresh_token=tok["refresh_token"],
                                     scope=YT + "youtube"))
    flat_error(r, 400, "invalid_scope")


def test_http_basic_client_authentication(emu):
    code, verifier, _ = code_for(emu)
    basic = base64.b64encode(("%s:%s" % (emu.client_id, emu.client_secret))
                             .encode()).decode()
    r = post_token(emu, headers={"Authorization": "Basic " + basic},
                   grant_type="authorization_code", code=code,
                   redirect_uri=RU, code_verifier=verifier)
    assert r.status == 200 and "access_token" in r.json()


def test_token_error_paths(emu):
    code, verifier, _ = code_for(emu)
    good = dict(grant_type="authorization_code", code=code, redirect_uri=RU,
                code_verifier=verifier)
    flat_error(post_token(emu, **token_form(emu, **dict(
        good, grant_type="password"))), 400, "unsupported_grant_type",
        "Invalid grant_type: password")
    flat_error(post_token(emu, **token_form(emu, **dict(
        good, grant_type=None))), 400, "unsupported_grant_type")
    flat_error(post_token(emu, **token_form(emu, client_id="x.apps."
                                            "googleusercontent.com",
                                            **good)),
               401, "invalid_client", "The OAuth client was not found.")
    flat_error(post_token(emu, **token_form(emu, client_secret="wrong",
                                            **good)),
               401, "invalid_client", "Unauthorized")
    flat_error(post_token(emu, **token_form(emu, client_secret=None,
                                            **good)),
               400, "invalid_request")
    flat_error(post_token(emu, client_secret=emu.client_secret, **good),
               400, "invalid_request",
               "Could not determine client ID from request.")
    flat_error(post_token(emu, **token_form(emu, **dict(good, code=None))),
               400, "invalid_request")
    flat_error(post_token(emu, **token_form(emu, **dict(good, code="4/0Ax"))),
               400, "invalid_grant", "Malformed auth code.")
    flat_error(post_token(emu, **token_form(emu, **dict(
        good, redirect_uri="http://127.0.0.1:9999/"))),
        400, "redirect_uri_mismatch", "Bad Request")
    flat_error(post_token(emu, **token_form(emu, **dict(
        good, redirect_uri=None))), 400, "invalid_request")
    flat_error(post_token(emu, **token_form(emu, **dict(
        good, code_verifier=None))), 400, "invalid_grant",
        "Missing code verifier.")
    flat_error(post_token(emu, **token_form(emu, **dict(
        good, code_verifier=pkce_pair()[0]))), 400, "invalid_grant",
        "Invalid code verifier.")
    # the failed attempts did not burn the code
    assert post_token(emu, **token_form(emu, **good)).status == 200
    # refresh errors
    flat_error(post_token(emu, **token_form(emu, grant_type="refresh_token")),
               400, "invalid_request")
    flat_error(post_token(emu, **token_form(emu, grant_type="refresh_token",
                                            refresh_token="1//bogus")),
               400, "invalid_grant", "Token has been expired or revoked.")
    # GET is not how to use /token
    assert emu.request("GET", "/token").status == 405


def test_plain_pkce_and_no_pkce(emu):
    verifier = pkce_pair()[0]
    params, _ = auth_params(emu, code_challenge=verifier,
                            code_challenge_method="plain")
    _, q = location_query(emu.request("GET", "/o/oauth2/v2/auth",
                                      params=params))
    r = post_token(emu, **token_form(emu, grant_type="authorization_code",
                                     code=q["code"], redirect_uri=RU,
                                     code_verifier=verifier))
    assert r.status == 200
    params, _ = auth_params(emu, code_challenge=None,
                            code_challenge_method=None)
    _, q = location_query(emu.request("GET", "/o/oauth2/v2/auth",
                                      params=params))
    r = post_token(emu, **token_form(emu, grant_type="authorization_code",
                                     code=q["code"], redirect_uri=RU))
    assert r.status == 200


def test_online_access_has_no_refresh_token_and_prompt_consent_reissues(
        tmp_path):
    e = start_emulator(str(tmp_path / "emu"), quiet=True)
    try:
        assert "refresh_token" not in e.obtain_tokens([RO],
                                                      access_type="online")
        assert "refresh_token" in e.obtain_tokens([RO])
        # a live refresh token exists: Google does not send another...
        assert "refresh_token" not in e.obtain_tokens([RO])
        # ...unless prompt=consent
        assert "refresh_token" in e.obtain_tokens([RO], prompt="consent")
    finally:
        e.stop()


# ---------------------------------------------------------------- tokens

def test_tokeninfo_and_revoke(emu):
    tok = emu.obtain_tokens([RO], prompt="consent")
    r = emu.request("GET", "/tokeninfo",
                    params={"access_token": tok["access_token"]})
    assert r.status == 200
    info = r.json()
    assert info["aud"] == info["azp"] == emu.client_id
    assert info["scope"] == RO
    assert isinstance(info["exp"], str) and isinstance(info["expires_in"],
                                                       str)
    assert 0 < int(info["expires_in"]) <= 3600
    assert info["sub"].isdigit()
    flat_error(emu.request("GET", "/tokeninfo",
                           params={"access_token": "ya29.nope"}),
               400, "invalid_token")
    # revoking the refresh token kills the grant's access token too
    r = emu.request("POST", "/revoke", form={"token": tok["refresh_token"]})
    assert r.status == 200
    flat_error(emu.request("GET", "/tokeninfo",
                           params={"access_token": tok["access_token"]}),
               400, "invalid_token")
    r = emu.api("channels", token=tok["access_token"], part="id",
                mine="true")
    assert r.status == 401
    flat_error(post_token(emu, **token_form(
        emu, grant_type="refresh_token", refresh_token=tok[
            "refresh_token"])), 400, "invalid_grant",
        "Token has been expired or revoked.")
    flat_error(emu.request("POST", "/revoke", form={"token": "bogus"}), 400,
               "invalid_token")


def test_token_lifetime_knob_and_expiry(tmp_path):
    e = start_emulator(str(tmp_path / "emu"), token_lifetime=1, quiet=True)
    try:
        tok = e.obtain_tokens([RO])
        assert tok["expires_in"] == 1
        r = e.api("channels", token=tok["access_token"], part="id",
                  mine="true")
        assert r.status == 200
        time.sleep(1.2)
        r = e.api("channels", token=tok["access_token"], part="id",
                  mine="true")
        assert r.status == 401
        assert 'error="invalid_token"' in r.headers["www-authenticate"]
        e.set_token_lifetime(120)
        r = post_token(e, **token_form(e, grant_type="refresh_token",
                                       refresh_token=tok["refresh_token"]))
        assert r.json()["expires_in"] == 120
    finally:
        e.stop()


def test_refresh_token_lifetime_reproduces_testing_mode(tmp_path):
    e = start_emulator(str(tmp_path / "emu"), refresh_token_lifetime=604800,
                       quiet=True)
    try:
        tok = e.obtain_tokens([RO])
        assert 604790 <= tok["refresh_token_expires_in"] <= 604800
        e.expire_refresh_tokens()
        r = post_token(e, **token_form(e, grant_type="refresh_token",
                                       refresh_token=tok["refresh_token"]))
        flat_error(r, 400, "invalid_grant",
                   "Token has been expired or revoked.")
    finally:
        e.stop()


# ---------------------------------------------------------------- device

def device_code(emu, scope=RO, client_id=None):
    return emu.request("POST", "/device/code", form={
        "client_id": client_id or emu.device_client_id, "scope": scope})


def device_poll(emu, dc):
    return post_token(emu, client_id=emu.device_client_id,
                      client_secret=emu.device_client_secret,
                      device_code=dc,
                      grant_type="urn:ietf:params:oauth:grant-type:"
                      "device_code")


def test_device_flow_pending_slow_down_approved(emu):
    r = device_code(emu)
    assert r.status == 200
    d = r.json()
    assert set(d) == {"device_code", "user_code", "verification_url",
                      "expires_in", "interval"}
    assert d["verification_url"] == emu.base_url + "/device"
    assert d["interval"] == 1 and d["expires_in"] == 1800
    assert len(d["user_code"]) == 9 and d["user_code"][4] == "-"
    flat_error(device_poll(emu, d["device_code"]), 428,
               "authorization_pending", "Precondition Required")
    flat_error(device_poll(emu, d["device_code"]), 403, "slow_down",
               "Forbidden")
    time.sleep(1.1)
    flat_error(device_poll(emu, d["device_code"]), 428,
               "authorization_pending")
    assert emu.device_approve(d["user_code"])["ok"] is True
    time.sleep(1.1)
    r = device_poll(emu, d["device_code"])
    assert r.status == 200
    tok = r.json()
    assert tok["refresh_token"].startswith("1//") and tok["scope"] == RO
    # used once
    time.sleep(1.1)
    flat_error(device_poll(emu, d["device_code"]), 400, "invalid_grant")
    r = emu.api("channels", token=tok["access_token"], part="id",
                mine="true")
    assert r.status == 200


def test_device_flow_denied_expired_and_errors(emu):
    d = device_code(emu).json()
    emu.device_deny(d["user_code"])
    flat_error(device_poll(emu, d["device_code"]), 403, "access_denied")
    # a code that expires
    emu.set_device_code_lifetime(1)
    try:
        d = device_code(emu).json()
        assert d["expires_in"] == 1
        time.sleep(1.2)
        flat_error(device_poll(emu, d["device_code"]), 400, "expired_token")
        assert emu.device_approve(d["user_code"])["ok"] is False
    finally:
        emu.set_device_code_lifetime(1800)
    flat_error(device_code(emu, client_id=emu.client_id), 401,
               "invalid_client", "Invalid client type.")
    flat_error(device_code(emu, client_id="zz.apps.googleusercontent.com"),
               401, "invalid_client", "The OAuth client was not found.")
    flat_error(device_code(emu, scope=YT + "youtube.force-ssl"), 400,
               "invalid_scope")
    flat_error(device_code(emu, scope=""), 400, "invalid_request")
    flat_error(device_poll(emu, "AH-1Ngbogus"), 400, "invalid_grant")


def test_device_verification_page_approves(emu):
    d = device_code(emu).json()
    r = emu.request("GET", "/device")
    assert r.status == 200 and "user_code" in r.text()
    r = emu.request("POST", "/device", form={
        "user_code": d["user_code"].replace("-", "").lower(),
        "action": "approve"})
    assert r.status == 200 and "allowed" in r.text()
    time.sleep(1.05)
    assert device_poll(emu, d["device_code"]).status == 200


def test_userinfo(emu):
    tok = emu.obtain_tokens([RO, "email"])
    r = emu.request("GET", "/oauth2/v3/userinfo",
                    headers={"Authorization": "Bearer " +
                             tok["access_token"]})
    assert r.status == 200 and r.json()["email"] == "ytk.demo@example.com"
    r = emu.request("GET", "/oauth2/v3/userinfo")
    assert r.status == 401


def test_include_granted_scopes_adds_earlier_grants(tmp_path):
    e = start_emulator(str(tmp_path / "emu"), quiet=True)
    try:
        e.obtain_tokens([RO])
        q = e.authorize([YT + "youtube.force-ssl"],
                        include_granted_scopes="true")
        assert q["scope"].split() == [YT + "youtube.force-ssl", RO]
        q = e.authorize([YT + "youtube.force-ssl"])
        assert q["scope"] == YT + "youtube.force-ssl"
        # the short names email and profile are accepted and expanded
        q = e.authorize(["email", "profile"])
        assert q["scope"].split() == [YT + "userinfo.email",
                                      YT + "userinfo.profile"]
    finally:
        e.stop()
