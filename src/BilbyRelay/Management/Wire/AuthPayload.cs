using System.Text.Json.Serialization;

namespace BilbyRelay.Management;

/// <summary>
/// Payload of the first frame, <c>auth</c>: either node credentials or a registration token, never
/// both (absent members are omitted, not sent as null).
/// </summary>
internal sealed class AuthPayload
{
    public const int ManagerProtocolVersion = 1;

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? NodeId { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? NodeSecret { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? RegistrationToken { get; init; }

    public required string SoftwareVersion { get; init; }

    public int ProtocolVersion { get; init; } = ManagerProtocolVersion;
}
