namespace BilbyRelay.Management;

/// <summary>The <c>type</c> values of the manager protocol (PROTOCOL.md §3).</summary>
internal static class ManagerMessageTypes
{
    // relay → manager
    public const string Auth = "auth";
    public const string Health = "health";
    public const string Stats = "stats";
    public const string Event = "event";
    public const string Pong = "pong";
    public const string CommandAck = "command_ack";
    public const string ConfigResponse = "config_response";

    // manager → relay
    public const string AuthOk = "auth_ok";
    public const string RegisterAck = "register_ack";
    public const string AuthError = "auth_error";
    public const string Ping = "ping";
    public const string Command = "command";
}
