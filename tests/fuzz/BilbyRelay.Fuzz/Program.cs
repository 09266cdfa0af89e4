using BilbyRelay.Fuzz;
using SharpFuzz;

// bilbyrelay-fuzz <harness>                  run under afl-fuzz (input arrives through SharpFuzz)
// bilbyrelay-fuzz <harness> <file>...        run the harness once per file, for reproducing a finding
// bilbyrelay-fuzz --list                     print the harness names
if (args.Length == 0 || args[0] == "--help")
{
    Console.Error.WriteLine("usage: BilbyRelay.Fuzz <harness> [input-file...] | --list");
    return 2;
}

if (args[0] == "--list")
{
    foreach (var name in FuzzHarnesses.Names)
    {
        Console.WriteLine(name);
    }

    return 0;
}

if (!FuzzHarnesses.TryGet(args[0], out var harness))
{
    Console.Error.WriteLine($"unknown harness '{args[0]}'; known: {string.Join(", ", FuzzHarnesses.Names)}");
    return 2;
}

if (args.Length > 1)
{
    foreach (var file in args.Skip(1))
    {
        harness(File.ReadAllBytes(file));
        Console.WriteLine($"{args[0]}: {file}: no failure");
    }

    return 0;
}

Fuzzer.OutOfProcess.Run(stream =>
{
    using var copy = new MemoryStream();
    stream.CopyTo(copy);
    harness(copy.ToArray());
});
return 0;
