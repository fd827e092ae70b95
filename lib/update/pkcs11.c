/* SPDX-License-Identifier: MIT */
/* Ed25519 signing keys inside a PKCS#11 token (an HSM; SoftHSM2 in the tests), loaded through
 * p11-kit: the private key is generated in the token, marked sensitive and not extractable,
 * and every signature is made by the token (CKM_EDDSA). mamori checks each signature with
 * libsodium before it is used. */
#include <p11-kit/p11-kit.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mamori/update.h"

struct mamori_upd_hsm {
	CK_FUNCTION_LIST *f;
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE priv;
	struct mamori_upd_pubkey pub;
	bool session;
	bool initialized;
};

/* The DER encoding of the curve name "edwards25519" (PrintableString), which PKCS#11 3.0
 * accepts in CKA_EC_PARAMS for Ed25519 keys. */
static const CK_BYTE ed25519_params[] = {
    0x13, 0x0c, 'e', 'd', 'w', 'a', 'r', 'd', 's', '2', '5', '5', '1', '9'};

/* PKCS#11 takes non-const pointers for what it only reads. */
static void *
unconst(const void *p)
{
	union {
		const void *c;
		void *m;
	} u = {p};

	return u.m;
}

static mamori_err
ckerr(struct mamori_diag *d, const char *what, CK_RV rv)
{
	return mamori_diag_set(d, rv == CKR_PIN_INCORRECT ? MAMORI_E_PERM : MAMORI_E_IO, 0, 0,
	    "PKCS#11 %s: %s (0x%lx)", what, p11_kit_strerror(rv), (unsigned long)rv);
}

void
mamori_upd_hsm_close(struct mamori_upd_hsm *h)
{
	if (h == NULL)
		return;
	if (h->session) {
		(void)h->f->C_Logout(h->s);
		(void)h->f->C_CloseSession(h->s);
	}
	if (h->f != NULL) {
		if (h->initialized)
			(void)p11_kit_module_finalize(h->f);
		p11_kit_module_release(h->f);
	}
	free(h);
}

static mamori_err
find(struct mamori_upd_hsm *h, CK_OBJECT_CLASS cls, const char *label, CK_OBJECT_HANDLE *out,
    struct mamori_diag *d)
{
	CK_KEY_TYPE kt = CKK_EC_EDWARDS;
	CK_ATTRIBUTE t[] = {
	    {CKA_CLASS, &cls, sizeof(cls)},
	    {CKA_KEY_TYPE, &kt, sizeof(kt)},
	    {CKA_LABEL, unconst(label), strlen(label)},
	};
	CK_OBJECT_HANDLE found[2];
	CK_ULONG n = 0;
	CK_RV rv = h->f->C_FindObjectsInit(h->s, t, 3);

	if (rv == CKR_OK)
		rv = h->f->C_FindObjects(h->s, found, 2, &n);
	(void)h->f->C_FindObjectsFinal(h->s);
	if (rv != CKR_OK)
		return ckerr(d, "find", rv);
	if (n != 1)
		return mamori_diag_set(d, MAMORI_E_NOTFOUND, 0, 0,
		    "PKCS#11: %s Ed25519 %s key labelled '%s' in the token",
		    n == 0 ? "no" : "more than one", cls == CKO_PRIVATE_KEY ? "private" : "public",
		    label);
	*out = found[0];
	return MAMORI_OK;
}

/* CKA_EC_POINT: the 32-byte key, DER-wrapped (04 20 ...) or raw. */
static mamori_err
read_pub(struct mamori_upd_hsm *h, const char *label, struct mamori_diag *d)
{
	CK_OBJECT_HANDLE pub = CK_INVALID_HANDLE;
	CK_BYTE point[64];
	CK_ATTRIBUTE a = {CKA_EC_POINT, point, sizeof(point)};
	mamori_err e = find(h, CKO_PUBLIC_KEY, label, &pub, d);
	CK_RV rv;

	if (e != MAMORI_OK)
		return e;
	rv = h->f->C_GetAttributeValue(h->s, pub, &a, 1);
	if (rv != CKR_OK)
		return ckerr(d, "reading the public key", rv);
	if (a.ulValueLen == 34 && point[0] == 0x04 && point[1] == 32)
		memcpy(h->pub.pk, point + 2, 32);
	else if (a.ulValueLen == 32)
		memcpy(h->pub.pk, point, 32);
	else
		return mamori_diag_set(d, MAMORI_E_MALFORMED, 0, 0,
		    "PKCS#11: the public key '%s' is not a 32-byte Ed25519 point", label);
	mamori_upd_keyid(h->pub.pk, h->pub.id);
	return MAMORI_OK;
}

static mamori_err
open_token(const char *module, const char *token, const char *pin, struct mamori_upd_hsm **out,
    struct mamori_diag *d)
{
	struct mamori_upd_hsm *h;
	CK_SLOT_ID slots[64];
	CK_ULONG n = 64;
	CK_RV rv;
	mamori_err e = MAMORI_OK;
	bool found = false;

	*out = NULL;
	if (sodium_init() < 0)
		return mamori_diag_set(d, MAMORI_E_IO, 0, 0, "libsodium could not start");
	if (strlen(token) > 32 || strlen(pin) > 255)
		return mamori_diag_set(d, MAMORI_E_INVAL, 0, 0, "token label or PIN too long");
	h = calloc(1, sizeof(*h));
	if (h == NULL)
		return MAMORI_E_NOMEM;
	h->f = p11_kit_module_load(module, 0);
	if (h->f == NULL) {
		free(h);
		return mamori_diag_set(d, MAMORI_E_IO, 0, 0, "PKCS#11 module %s: %s", module,
		    p11_kit_message() ? p11_kit_message() : "cannot be loaded");
	}
	rv = p11_kit_module_initialize(h->f);
	h->initialized = rv == CKR_OK;
	if (rv != CKR_OK) {
		e = ckerr(d, "initialize", rv);
		p11_kit_module_release(h->f);
		free(h);
		return e;
	}
	rv = h->f->C_GetSlotList(CK_TRUE, slots, &n);
	if (rv != CKR_OK)
		e = ckerr(d, "slot list", rv);
	for (CK_ULONG i = 0; e == MAMORI_OK && i < n && !found; i++) {
		CK_TOKEN_INFO ti;
		char label[33];
		size_t len = 32;

		if (h->f->C_GetTokenInfo(slots[i], &ti) != CKR_OK)
			continue;
		memcpy(label, ti.label, 32);
		while (len > 0 && label[len - 1] == ' ')
			len--;
		label[len] = '\0';
		if (strcmp(label, token) != 0)
			continue;
		found = true;
		rv = h->f->C_OpenSession(
		    slots[i], CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &h->s);
		if (rv != CKR_OK) {
			e = ckerr(d, "open session", rv);
			break;
		}
		h->session = true;
		rv = h->f->C_Login(h->s, CKU_USER, (CK_UTF8CHAR *)unconst(pin), strlen(pin));
		if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN)
			e = ckerr(d, "login", rv);
	}
	if (e == MAMORI_OK && !found)
		e = mamori_diag_set(d, MAMORI_E_NOTFOUND, 0, 0,
		    "PKCS#11: no token labelled '%s' in %s", token, module);
	if (e != MAMORI_OK) {
		mamori_upd_hsm_close(h);
		return e;
	}
	*out = h;
	return MAMORI_OK;
}

mamori_err
mamori_upd_hsm_open(const char *module, const char *token, const char *pin, const char *key_label,
    struct mamori_upd_hsm **out, struct mamori_diag *d)
{
	struct mamori_upd_hsm *h = NULL;
	mamori_err e = open_token(module, token, pin, &h, d);

	*out = NULL;
	if (e != MAMORI_OK || h == NULL)
		return e != MAMORI_OK ? e : MAMORI_E_NOMEM;
	e = find(h, CKO_PRIVATE_KEY, key_label, &h->priv, d);
	if (e == MAMORI_OK)
		e = read_pub(h, key_label, d);
	if (e != MAMORI_OK) {
		mamori_upd_hsm_close(h);
		return e;
	}
	*out = h;
	return MAMORI_OK;
}

const struct mamori_upd_pubkey *
mamori_upd_hsm_pubkey(const struct mamori_upd_hsm *h)
{
	return &h->pub;
}

mamori_err
mamori_upd_hsm_sign(void *ctx, const uint8_t *msg, size_t n, uint8_t sig[64], struct mamori_diag *d)
{
	struct mamori_upd_hsm *h = ctx;
	CK_MECHANISM mech = {CKM_EDDSA, NULL, 0};
	CK_ULONG len = 64;
	CK_RV rv = h->f->C_SignInit(h->s, &mech, h->priv);

	if (rv == CKR_OK)
		rv = h->f->C_Sign(h->s, (CK_BYTE *)unconst(msg), n, sig, &len);
	if (rv != CKR_OK)
		return ckerr(d, "sign", rv);
	if (len != 64 || crypto_sign_verify_detached(sig, msg, n, h->pub.pk) != 0)
		return mamori_diag_set(d, MAMORI_E_BADSIG, 0, 0,
		    "PKCS#11: the token's signature does not verify as Ed25519 under its own key");
	return MAMORI_OK;
}

mamori_err
mamori_upd_hsm_keygen(const char *module, const char *token, const char *pin, const char *key_label,
    const char *public_path, struct mamori_diag *d)
{
	struct mamori_upd_hsm *h = NULL;
	CK_MECHANISM mech = {CKM_EC_EDWARDS_KEY_PAIR_GEN, NULL, 0};
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_ATTRIBUTE pubt[] = {
	    {CKA_EC_PARAMS, unconst(ed25519_params), sizeof(ed25519_params)},
	    {CKA_TOKEN, &yes, sizeof(yes)},
	    {CKA_VERIFY, &yes, sizeof(yes)},
	    {CKA_LABEL, unconst(key_label), strlen(key_label)},
	};
	CK_ATTRIBUTE privt[] = {
	    {CKA_TOKEN, &yes, sizeof(yes)},
	    {CKA_PRIVATE, &yes, sizeof(yes)},
	    {CKA_SENSITIVE, &yes, sizeof(yes)},
	    {CKA_EXTRACTABLE, &no, sizeof(no)},
	    {CKA_SIGN, &yes, sizeof(yes)},
	    {CKA_LABEL, unconst(key_label), strlen(key_label)},
	};
	CK_OBJECT_HANDLE pub, priv, existing;
	CK_RV rv;
	mamori_err e = open_token(module, token, pin, &h, d);

	if (e != MAMORI_OK || h == NULL)
		return e != MAMORI_OK ? e : MAMORI_E_NOMEM;
	if (find(h, CKO_PRIVATE_KEY, key_label, &existing, d) != MAMORI_E_NOTFOUND) {
		mamori_upd_hsm_close(h);
		return mamori_diag_set(d, MAMORI_E_IO, 0, 0,
		    "PKCS#11: the token already has a key labelled '%s' (keygen never replaces one)",
		    key_label);
	}
	rv = h->f->C_GenerateKeyPair(h->s, &mech, pubt, 4, privt, 6, &pub, &priv);
	if (rv != CKR_OK)
		e = ckerr(d, "generate an Ed25519 key pair", rv);
	if (e == MAMORI_OK)
		e = read_pub(h, key_label, d);
	if (e == MAMORI_OK)
		e = mamori_upd_write_pubkey(public_path, &h->pub, d);
	mamori_upd_hsm_close(h);
	return e;
}
