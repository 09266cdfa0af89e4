namespace BilbyRelay.ChaosCheck;

/// <summary>
/// What the path does to each UDP packet, in each direction, with netem's meaning: <see cref="Loss"/> drops,
/// <see cref="Duplicate"/> sends twice, every packet waits <see cref="Delay"/> ± <see cref="Jitter"/> (uniform),
/// except the <see cref="Reorder"/> share, which goes at once and so overtakes the delayed ones.
/// </summary>
internal sealed record Impairment(string Name, double Loss = 0, TimeSpan Delay = default, TimeSpan Jitter = default, double Reorder = 0, double Duplicate = 0)
{
    public static readonly Impairment None = new("none");

    /// <summary>The fault matrix, in the order it runs.</summary>
    public static readonly Impairment[] Matrix =
    [
        None,
        new("loss 5%", Loss: 0.05),
        new("delay 50ms ± 10ms", Delay: TimeSpan.FromMilliseconds(50), Jitter: TimeSpan.FromMilliseconds(10)),
        new("reorder 1% (delay 10ms)", Delay: TimeSpan.FromMilliseconds(10), Reorder: 0.01),
        new("duplicate 1%", Duplicate: 0.01),
    ];

    /// <summary>The share of datagrams lost edge → relay → edge: the path is crossed twice, each time with <see cref="Loss"/>.</summary>
    public double ExpectedEndToEndLoss => 1 - ((1 - Loss) * (1 - Loss));
}
