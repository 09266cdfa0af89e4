using System.Runtime.InteropServices;
using System.Text;
using BilbyRelay.Quic.Interop;
using BilbyRelay.Tests.Common;
using Xunit;

namespace BilbyRelay.Quic.Tests.Interop;

/// <summary>
/// Compiles a C program against the installed ngtcp2/GnuTLS headers and compares every mirrored struct's size
/// and every mirrored field's offset with the C# definitions. Guards against ABI drift between library versions.
/// </summary>
public sealed unsafe class LayoutTests
{
    private static readonly (Type Type, int ManagedSize, string Header)[] s_structs =
    [
        (typeof(ngtcp2_cid), sizeof(ngtcp2_cid), "ngtcp2/ngtcp2.h"),
        (typeof(ngtcp2_addr), sizeof(ngtcp2_addr), "ngtcp2/ngtcp2.h"),
        (typeof(ngtcp2_path), sizeof(ngtcp2_path), "ngtcp2/ngtcp2.h"),
        (typeof(ngtcp2_path_storage), sizeof(ngtcp2_path_storage), "ngtcp2/ngtcp2.h"),
        (typeof(ngtcp2_pkt_info), sizeof(ngtcp2_pkt_info), "ngtcp2/ngtcp2.h"),
        (typeof(ngtcp2_pkt_hd), sizeof(ngtcp2_pkt_hd), "ngtcp2/ngtcp2.h"),
        (typeof(ngtcp2_version_cid), sizeof(ngtcp2_version_cid), "ngtcp2/ngtcp2.h"),
        (typeof(ngtcp2_ccerr), sizeof(ngtcp2_ccerr), "ngtcp2/ngtcp2.h"),
        (typeof(ngtcp2_vec), sizeof(ngtcp2_vec), "ngtcp2/ngtcp2.h"),
        (typeof(ngtcp2_info), sizeof(ngtcp2_info), "ngtcp2/ngtcp2.h"),
        (typeof(ngtcp2_pkt_stateless_reset), sizeof(ngtcp2_pkt_stateless_reset), "ngtcp2/ngtcp2.h"),
        (typeof(ngtcp2_preferred_addr), sizeof(ngtcp2_preferred_addr), "ngtcp2/ngtcp2.h"),
        (typeof(ngtcp2_version_info), sizeof(ngtcp2_version_info), "ngtcp2/ngtcp2.h"),
        (typeof(ngtcp2_transport_params), sizeof(ngtcp2_transport_params), "ngtcp2/ngtcp2.h"),
        (typeof(ngtcp2_settings), sizeof(ngtcp2_settings), "ngtcp2/ngtcp2.h"),
        (typeof(ngtcp2_callbacks), sizeof(ngtcp2_callbacks), "ngtcp2/ngtcp2.h"),
        (typeof(ngtcp2_crypto_conn_ref), sizeof(ngtcp2_crypto_conn_ref), "ngtcp2/ngtcp2_crypto.h"),
        (typeof(gnutls_datum_t), sizeof(gnutls_datum_t), "gnutls/gnutls.h"),
    ];

    [Fact]
    public void MirroredStructs_MatchInstalledHeaders()
    {
        var expected = new Dictionary<string, long>();
        var program = new StringBuilder();
        program.AppendLine("#include <stdio.h>\n#include <stddef.h>");
        program.AppendLine("#include <ngtcp2/ngtcp2.h>\n#include <ngtcp2/ngtcp2_crypto.h>\n#include <gnutls/gnutls.h>");
        program.AppendLine("int main(void) {");
        foreach (var (type, managedSize, _) in s_structs)
        {
            program.AppendLine($"  printf(\"{type.Name} %zu\\n\", sizeof({type.Name}));");
            expected[type.Name] = managedSize;
            foreach (var field in type.GetFields(System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.Public))
            {
                var key = $"{type.Name}.{field.Name}";
                program.AppendLine($"  printf(\"{key} %zu\\n\", offsetof({type.Name}, {field.Name}));");
                expected[key] = Marshal.OffsetOf(type, field.Name).ToInt64();
            }
        }

        program.AppendLine("  return 0;\n}");
        var native = CompileAndRun(program.ToString());

        Assert.Equal(expected.Count, native.Count);
        var mismatches = expected
            .Where(e => !native.TryGetValue(e.Key, out var actual) || actual != e.Value)
            .Select(e => $"{e.Key}: C# {e.Value}, C {(native.TryGetValue(e.Key, out var a) ? a : -1)}")
            .ToList();
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
    }

    [Fact]
    public void GnuTlsConstants_MatchInstalledHeaders()
    {
        var constants = typeof(GnuTls).GetFields(System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.NonPublic)
            .Where(field => field.IsLiteral && field.Name.StartsWith("GNUTLS_", StringComparison.Ordinal))
            .ToDictionary(field => field.Name, field => Convert.ToInt64(field.GetRawConstantValue(), System.Globalization.CultureInfo.InvariantCulture));
        var program = new StringBuilder();
        program.AppendLine("#include <stdio.h>\n#include <gnutls/gnutls.h>\n#include <gnutls/crypto.h>\n#include <gnutls/x509.h>\n#include <gnutls/abstract.h>");
        program.AppendLine("int main(void) {");
        foreach (var name in constants.Keys)
        {
            program.AppendLine($"  printf(\"{name} %lld\\n\", (long long)({name}));");
        }

        program.AppendLine("  return 0;\n}");
        var native = CompileAndRun(program.ToString());

        Assert.True(constants.Count > 30, $"only {constants.Count} constants found");
        var mismatches = constants
            .Where(c => native[c.Key] != c.Value)
            .Select(c => $"{c.Key}: C# {c.Value}, C {native[c.Key]}")
            .ToList();
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
    }

    [Fact]
    public void KnownSizes_MatchWhatTheVersionedCallsDeclare()
    {
        Assert.Equal(184, sizeof(ngtcp2_settings));
        Assert.Equal(344, sizeof(ngtcp2_transport_params));
        Assert.Equal(320, sizeof(ngtcp2_callbacks));
        Assert.Equal(8, sizeof(ngtcp2_pkt_info));
    }

    private static Dictionary<string, long> CompileAndRun(string source)
    {
        using var directory = new TempFilesDirectory();
        var output = CProgram.Run(CProgram.Compile(source, directory.Path, "layout"));
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' '))
            .ToDictionary(parts => parts[0], parts => long.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
    }
}
