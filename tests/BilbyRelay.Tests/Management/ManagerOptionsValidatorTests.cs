using BilbyRelay.Management;

namespace BilbyRelay.Tests.Management;

public sealed class ManagerOptionsValidatorTests
{
    private const string Fingerprint =
        "ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89";

    private static ManagerOptions Valid(params string[] urls) => new()
    {
        Urls = (urls.Length == 0 ? ["wss://manager.example:8443/ws"] : urls).Select(u => new Uri(u)).ToArray(),
        RegistrationToken = "tok",
        SoftwareVersion = "1.0.0",
    };

    [Fact]
    public void Validate_DefaultsAndOneWssUrl_NoErrors()
    {
        var options = Valid();

        Assert.Empty(ManagerOptionsValidator.Validate(options));
        Assert.Equal(TimeSpan.FromSeconds(10), options.ConnectTimeout);
        Assert.Equal(TimeSpan.FromSeconds(10), options.AuthTimeout);
        Assert.Equal(TimeSpan.FromSeconds(5), options.ReconnectDelay);
        Assert.Equal(TimeSpan.FromSeconds(1), options.StatsInterval);
        Assert.Equal(TimeSpan.FromSeconds(15), options.HealthInterval);
    }

    [Fact]
    public void Validate_PlainWsUrl_RejectedNamingManagerUrls()
    {
        var error = Assert.Single(ManagerOptionsValidator.Validate(Valid("wss://ok.example/ws", "ws://plain.example/ws")));

        Assert.StartsWith("manager.urls[1]:", error, StringComparison.Ordinal);
        Assert.Contains("wss://", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_NoUrlsOrTooMany_Rejected()
    {
        Assert.Contains("manager.urls: at least one", Assert.Single(ManagerOptionsValidator.Validate(new ManagerOptions
        {
            RegistrationToken = "t",
            SoftwareVersion = "1",
        })), StringComparison.Ordinal);

        var seventeen = Enumerable.Range(0, 17).Select(i => $"wss://m{i}.example/ws").ToArray();
        Assert.StartsWith("manager.urls: at most 16", Assert.Single(ManagerOptionsValidator.Validate(Valid(seventeen))), StringComparison.Ordinal);
        Assert.Empty(ManagerOptionsValidator.Validate(Valid(seventeen[..16])));
    }

    [Theory]
    [InlineData(Fingerprint, true)]
    [InlineData("AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89", true)]
    [InlineData("abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789", false)]
    [InlineData("ab:cd", false)]
    [InlineData("zz:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89", false)]
    public void Validate_CertFingerprintFormat(string fingerprint, bool accepted)
    {
        var errors = ManagerOptionsValidator.Validate(new ManagerOptions
        {
            Urls = [new Uri("wss://m.example/ws")],
            RegistrationToken = "t",
            SoftwareVersion = "1",
            CertFingerprint = fingerprint,
        });

        if (accepted)
        {
            Assert.Empty(errors);
        }
        else
        {
            Assert.StartsWith("manager.cert_fingerprint:", Assert.Single(errors), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Validate_Credentials_NeedTokenOrBothNodeFields()
    {
        static IReadOnlyList<string> Check(string? token, string? id, string? secret) => ManagerOptionsValidator.Validate(new ManagerOptions
        {
            Urls = [new Uri("wss://m.example/ws")],
            RegistrationToken = token,
            NodeId = id,
            NodeSecret = secret,
            SoftwareVersion = "1",
        });

        Assert.StartsWith("manager.registration_token:", Assert.Single(Check(null, null, null)), StringComparison.Ordinal);
        Assert.StartsWith("manager.node_secret:", Assert.Single(Check(null, "n", null)), StringComparison.Ordinal);
        Assert.StartsWith("manager.node_id:", Assert.Single(Check(null, null, "s")), StringComparison.Ordinal);
        Assert.Empty(Check(null, "n", "s"));
        Assert.Empty(Check("t", null, null));
    }

    [Fact]
    public void ToString_NeverShowsSecrets()
    {
        var text = (Valid() with { NodeId = "node-9", NodeSecret = "very-secret", RegistrationToken = "token-secret" }).ToString();

        Assert.Contains("node-9", text, StringComparison.Ordinal);
        Assert.Contains("wss://manager.example:8443/ws", text, StringComparison.Ordinal);
        Assert.DoesNotContain("very-secret", text, StringComparison.Ordinal);
        Assert.DoesNotContain("token-secret", text, StringComparison.Ordinal);
    }
}
