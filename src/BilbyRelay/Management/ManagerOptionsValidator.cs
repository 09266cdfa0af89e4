using BilbyRelay.Config;

namespace BilbyRelay.Management;

/// <summary>
/// Checks <see cref="ManagerOptions"/> before the link starts. Every message names the config key
/// (<c>manager.urls</c>, …) so an operator can find the line to fix.
/// </summary>
internal static class ManagerOptionsValidator
{
    public static IReadOnlyList<string> Validate(ManagerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();

        if (options.Urls.Count == 0)
        {
            errors.Add("manager.urls: at least one wss:// URL is required");
        }
        else if (options.Urls.Count > ManagerOptions.MaxUrls)
        {
            errors.Add($"manager.urls: at most {ManagerOptions.MaxUrls} URLs are allowed, got {options.Urls.Count}");
        }

        for (var i = 0; i < options.Urls.Count; i++)
        {
            var url = options.Urls[i];
            if (!url.IsAbsoluteUri || !string.Equals(url.Scheme, "wss", StringComparison.OrdinalIgnoreCase))
            {
                errors.Add($"manager.urls[{i}]: '{url.OriginalString}' is not a wss:// URL; the manager link only connects over TLS (ws:// is refused)");
            }
            else if (string.IsNullOrEmpty(url.Host))
            {
                errors.Add($"manager.urls[{i}]: '{url.OriginalString}' has no host");
            }
        }

        if (options.CertFingerprint is not null && !CertificateFingerprint.IsWellFormed(options.CertFingerprint))
        {
            errors.Add("manager.cert_fingerprint: expected the SHA-256 of the manager's DER certificate as 32 hex pairs separated by ':' (aa:bb:…)");
        }

        var hasNodeId = !string.IsNullOrEmpty(options.NodeId);
        var hasNodeSecret = !string.IsNullOrEmpty(options.NodeSecret);
        if (hasNodeId && !hasNodeSecret)
        {
            errors.Add("manager.node_secret: required when manager.node_id is set");
        }
        else if (hasNodeSecret && !hasNodeId)
        {
            errors.Add("manager.node_id: required when manager.node_secret is set");
        }
        else if (!hasNodeId && string.IsNullOrEmpty(options.RegistrationToken))
        {
            errors.Add("manager.registration_token: set registration_token, or node_id and node_secret");
        }

        if (string.IsNullOrEmpty(options.SoftwareVersion))
        {
            errors.Add("manager: software version is empty");
        }

        CheckPositive(errors, options.ConnectTimeout, "connect timeout");
        CheckPositive(errors, options.AuthTimeout, "auth timeout");
        CheckPositive(errors, options.ReconnectDelay, "reconnect delay");
        CheckPositive(errors, options.StatsInterval, "stats interval");
        CheckPositive(errors, options.HealthInterval, "health interval");
        CheckPositive(errors, options.SendStallTimeout, "send stall timeout");
        if (options.MaxInboundMessageBytes < 1024 || options.OutboundQueueCapacity < 1)
        {
            errors.Add("manager: inbound message limit must be at least 1024 bytes and the send queue at least 1");
        }

        return errors;
    }

    private static void CheckPositive(List<string> errors, TimeSpan value, string what)
    {
        if (value <= TimeSpan.Zero)
        {
            errors.Add($"manager: {what} must be positive");
        }
    }
}
