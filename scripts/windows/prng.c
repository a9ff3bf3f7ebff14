/* Wine 8.0 has no bcryptprimitives.dll, and Rust's std (1.78 and later) imports ProcessPrng
 * from it, so without this stand-in no Rust program starts under Wine. ProcessPrng fills a
 * buffer with random bytes and cannot fail; here it asks bcrypt's system RNG, which Wine has.
 * Built by scripts/windows-setup.sh into the Wine prefix; never shipped. */
#include <windows.h>
#include <bcrypt.h>

BOOL WINAPI ProcessPrng(PBYTE out, SIZE_T len)
{
    while (len) {
        ULONG step = len < 0x10000000 ? (ULONG)len : 0x10000000;
        if (BCryptGenRandom(NULL, out, step, BCRYPT_USE_SYSTEM_PREFERRED_RNG))
            return FALSE;
        out += step;
        len -= step;
    }
    return TRUE;
}
