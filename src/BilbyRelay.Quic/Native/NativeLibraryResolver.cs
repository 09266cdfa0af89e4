using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using BilbyRelay.Quic.Interop;

namespace BilbyRelay.Quic.Native;

/// <summary>
/// Maps the logical library names used by [LibraryImport] ("ngtcp2", "ngtcp2_crypto_gnutls", "gnutls") to the
/// installed shared objects when running under the JIT. The Native AOT executable links ngtcp2 statically and
/// resolves the imports at link time (DirectPInvoke), so this resolver is never consulted there.
/// </summary>
internal static class NativeLibraryResolver
{
    private static readonly (string Name, string[] Candidates, string Package)[] s_libraries =
    [
        (Ngtcp2.Library, ["libngtcp2.so.16", "libngtcp2.so"], "libngtcp2-16 (ngtcp2 >= 1.11)"),
        (Ngtcp2Crypto.Library, ["libngtcp2_crypto_gnutls.so.8", "libngtcp2_crypto_gnutls.so"], "libngtcp2-crypto-gnutls8"),
        (GnuTls.Library, ["libgnutls.so.30", "libgnutls.so"], "libgnutls30"),
    ];

    // CA2255: a module initializer is the only hook that runs before the first P/Invoke of this assembly
    // regardless of which type is touched first; it only installs a resolver and never throws.
#pragma warning disable CA2255
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Install()
    {
        if (!RuntimeFeature.IsDynamicCodeSupported)
        {
            // Native AOT: imports are bound at link time.
            return;
        }

        NativeLibrary.SetDllImportResolver(typeof(NativeLibraryResolver).Assembly, Resolve);
    }

    private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath) =>
        IndexOf(libraryName) is var index and >= 0 ? Load(s_libraries[index]) : IntPtr.Zero;

    /// <summary>Loads the installed shared object behind one of the logical library names above (JIT only).</summary>
    /// <exception cref="DllNotFoundException">None of its file names is installed; the message names the package.</exception>
    internal static IntPtr Load(string libraryName) =>
        IndexOf(libraryName) is var index and >= 0
            ? Load(s_libraries[index])
            : throw new ArgumentException($"'{libraryName}' is not a library this resolver knows", nameof(libraryName));

    private static int IndexOf(string libraryName)
    {
        for (var i = 0; i < s_libraries.Length; i++)
        {
            if (s_libraries[i].Name == libraryName)
            {
                return i;
            }
        }

        return -1;
    }

    private static IntPtr Load((string Name, string[] Candidates, string Package) library)
    {
        foreach (var candidate in library.Candidates)
        {
            if (NativeLibrary.TryLoad(candidate, out var handle))
            {
                return handle;
            }
        }

        throw new DllNotFoundException(
            $"Native library '{library.Name}' was not found (tried {string.Join(", ", library.Candidates)}). Install the package {library.Package}.");
    }
}
