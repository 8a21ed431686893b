"""The one register of secrets (module_utils/_secrets.py): every form masked, each form handed to no_log_values."""

import base64

from ansible_collections.restorekit.instaclustr.plugins.module_utils._module import redact
from ansible_collections.restorekit.instaclustr.plugins.module_utils._secrets import MASK, Secrets, basic_forms

USER, KEY = "ops-user", "k3y?>>~valu"
TOKEN = base64.b64encode(("%s:%s" % (USER, KEY)).encode()).decode()
URLSAFE = base64.urlsafe_b64encode(("%s:%s" % (USER, KEY)).encode()).decode()


def test_basic_forms_are_padded_unpadded_and_url_safe():
    assert TOKEN.endswith("=") and TOKEN != URLSAFE  # the chosen key makes every form differ
    assert set(basic_forms(USER, KEY)) == {TOKEN, TOKEN.rstrip("="), URLSAFE, URLSAFE.rstrip("=")}


def test_every_form_is_masked_in_text_and_structures_and_reaches_no_log_values():
    seen = set()
    secrets = Secrets(on_register=seen.add)
    secrets.register(KEY, username=USER)
    secrets.register("db-Pa55word")  # a later secret, e.g. read from the API
    assert seen == {KEY, "db-Pa55word"} | set(basic_forms(USER, KEY))
    text = "echo: Authorization: Basic %s; bare %s; unpadded %s; key %s; pw db-Pa55word" % (
        TOKEN, URLSAFE, TOKEN.rstrip("="), KEY)
    masked = secrets.mask(text)
    assert masked == "echo: Authorization: Basic %s; bare %s; unpadded %s; key %s; pw %s" % ((MASK,) * 5)
    structure = {"body": [{"token": TOKEN}], TOKEN: ("x", KEY), "n": 5}
    assert secrets.mask(structure) == {"body": [{"token": MASK}], MASK: ["x", MASK], "n": 5}
    assert redact({"message": "Basic " + TOKEN, "password": "x"}, secrets) == {"message": "Basic " + MASK}


def test_empty_or_missing_secrets_are_not_registered():
    secrets = Secrets()
    secrets.register("")
    secrets.register(None, username=USER)
    assert secrets.values == [] and secrets.mask("Basic abc") == "Basic abc"
