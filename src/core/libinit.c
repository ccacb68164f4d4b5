/* Start-up work of libraries duoterm links only by accident.
 *
 * libcurl4 (OpenSSL flavour) depends on librtmp for rtmp:// URLs, which
 * duoterm never fetches, and librtmp depends on GnuTLS.  GnuTLS initialises
 * itself in a library constructor, before main(): crypto back ends, p11-kit,
 * the system priority file -- about 0.6 MB of resident pages and heap in a
 * process that never makes a GnuTLS call.  GnuTLS asks this (weak, exported
 * in its GNUTLS_3_4 ABI) hook whether to skip that implicit init; the
 * documented alternative, GNUTLS_NO_IMPLICIT_INIT=1, is an environment
 * variable, which would have to be set before exec.  Nothing is lost: the
 * implicit init exists for callers that forget gnutls_global_init(), and
 * librtmp, the only user here, calls it itself.
 *
 * The Makefile links this with -Wl,-u and exports it with
 * -Wl,--export-dynamic-symbol (configure probes the linker); without that
 * it is an unused function and GnuTLS behaves as before. */

int _gnutls_global_init_skip(void);

int _gnutls_global_init_skip(void)
{
	return 1;
}
