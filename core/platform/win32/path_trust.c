/* core/platform/win32/path_trust.c - plat_path_check_admin_only: owner and DACL of a file or folder. */
#include "platform/platform.h"
#include "wee/errors.h"
#include "utf.h"
#include <windows.h>
#include <aclapi.h>
#include <sddl.h>
#include <stdio.h>
#include <stdlib.h>

int plat_running_as_root(void) { return 0; }

/* Rights that change what the engine would read: data, attributes, the ACL, the owner, deletion. */
#define WRITE_RIGHTS (FILE_WRITE_DATA | FILE_APPEND_DATA | FILE_WRITE_EA | FILE_WRITE_ATTRIBUTES | \
                      FILE_DELETE_CHILD | DELETE | WRITE_DAC | WRITE_OWNER | GENERIC_WRITE | GENERIC_ALL)

static PSID current_user(void)
{
    HANDLE tok = NULL;
    if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &tok)) return NULL;
    DWORD n = 0;
    GetTokenInformation(tok, TokenUser, NULL, 0, &n);
    TOKEN_USER *tu = n ? malloc(n) : NULL;
    PSID copy = NULL;
    if (tu && GetTokenInformation(tok, TokenUser, tu, n, &n)) {
        DWORD len = GetLengthSid(tu->User.Sid);
        copy = malloc(len);
        if (copy && !CopySid(len, copy, tu->User.Sid)) {
            free(copy);
            copy = NULL;
        }
    }
    free(tu);
    CloseHandle(tok);
    return copy;
}

/* SYSTEM, Administrators, TrustedInstaller, or the account this process runs as. */
static int is_trusted(PSID sid, PSID me)
{
    if (IsWellKnownSid(sid, WinLocalSystemSid) || IsWellKnownSid(sid, WinBuiltinAdministratorsSid)) return 1;
    if (me && EqualSid(sid, me)) return 1;
    PSID ti = NULL;
    int hit = 0;
    if (ConvertStringSidToSidW(L"S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464", &ti)) {
        hit = EqualSid(sid, ti);
        LocalFree(ti);
    }
    return hit;
}

static void account_name(PSID sid, char *out, size_t size)
{
    wchar_t name[256], domain[256];
    DWORD nn = 256, dn = 256;
    SID_NAME_USE use;
    char a[512] = "", b[512] = "";
    if (LookupAccountSidW(NULL, sid, name, &nn, domain, &dn, &use)) {
        win_wide_to_utf8_buf(domain, a, sizeof a);
        win_wide_to_utf8_buf(name, b, sizeof b);
        snprintf(out, size, "%s%s%s", a, a[0] ? "\\" : "", b);
        return;
    }
    wchar_t *text = NULL;
    if (ConvertSidToStringSidW(sid, &text)) {
        win_wide_to_utf8_buf(text, out, size);
        LocalFree(text);
    } else {
        snprintf(out, size, "an unknown account");
    }
}

int plat_path_check_admin_only(const char *path, char *why, size_t why_size)
{
    wchar_t *w = win_utf8_to_wide(path);
    if (!w) {
        snprintf(why, why_size, "%s: not a valid path", path);
        return WEE_EINVAL;
    }
    static const char fix[] = "fix: icacls \"%s\" /inheritance:r /grant:r *S-1-5-18:(OI)(CI)F *S-1-5-32-544:(OI)(CI)F "
                              "*S-1-5-32-545:(OI)(CI)RX && icacls \"%s\" /setowner *S-1-5-32-544";
    PSID owner = NULL;
    PACL dacl = NULL;
    PSECURITY_DESCRIPTOR sd = NULL;
    DWORD e = GetNamedSecurityInfoW(w, SE_FILE_OBJECT, OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION,
                                    &owner, NULL, &dacl, NULL, &sd);
    free(w);
    if (e != ERROR_SUCCESS) {
        snprintf(why, why_size, "%s: cannot read its permissions (error %lu)", path, (unsigned long)e);
        return e == ERROR_FILE_NOT_FOUND || e == ERROR_PATH_NOT_FOUND ? WEE_ENOTFOUND : WEE_EIO;
    }
    PSID me = current_user();
    char who[600], hint[1200];
    snprintf(hint, sizeof hint, fix, path, path);
    int rc = 0;
    if (owner && !is_trusted(owner, me)) {
        account_name(owner, who, sizeof who);
        snprintf(why, why_size, "%s is owned by %s, who can change its permissions (%s)", path, who, hint);
        rc = WEE_EPERM;
    } else if (!dacl) {
        snprintf(why, why_size, "%s has no access control list: everyone can write it (%s)", path, hint);
        rc = WEE_EPERM;
    } else {
        for (DWORD i = 0; i < dacl->AceCount && rc == 0; i++) {
            ACE_HEADER *h = NULL;
            if (!GetAce(dacl, i, (void **)&h) || h->AceType != ACCESS_ALLOWED_ACE_TYPE) continue;
            if (h->AceFlags & INHERIT_ONLY_ACE) continue; /* applies to children only */
            ACCESS_ALLOWED_ACE *a = (ACCESS_ALLOWED_ACE *)h;
            PSID sid = (PSID)&a->SidStart;
            if (!(a->Mask & WRITE_RIGHTS) || is_trusted(sid, me)) continue;
            /* CREATOR OWNER on the object itself means its owner, checked above. */
            if (IsWellKnownSid(sid, WinCreatorOwnerSid)) continue;
            account_name(sid, who, sizeof who);
            snprintf(why, why_size, "%s is writable by %s (%s)", path, who, hint);
            rc = WEE_EPERM;
        }
    }
    free(me);
    LocalFree(sd);
    return rc;
}
