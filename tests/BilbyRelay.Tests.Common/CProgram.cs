using System.Diagnostics;
using Xunit;

namespace BilbyRelay.Tests.Common;

/// <summary>Small C programs tests build with the system compiler (<c>cc</c>, installed by <c>scripts/bootstrap --test</c>).</summary>
public static class CProgram
{
    /// <summary>Compiles <paramref name="source"/> into <paramref name="directory"/> and returns the executable's path; fails the test with the compiler's messages.</summary>
    public static string Compile(string source, string directory, string name) =>
        Build(source, directory, name, name, []);

    /// <summary>Compiles <paramref name="source"/> into a shared library (for <c>LD_PRELOAD</c>) and returns its path.</summary>
    public static string CompileSharedLibrary(string source, string directory, string name) =>
        Build(source, directory, name, name + ".so", ["-shared", "-fPIC"]);

    private static string Build(string source, string directory, string name, string fileName, string[] options)
    {
        var sourcePath = Path.Combine(directory, name + ".c");
        var outputPath = Path.Combine(directory, fileName);
        File.WriteAllText(sourcePath, source);
        var start = new ProcessStartInfo("cc") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])["-Wall", "-Werror", .. options, "-o", outputPath, sourcePath])
        {
            start.ArgumentList.Add(argument);
        }

        using var compiler = Process.Start(start)!;
        var output = compiler.StandardOutput.ReadToEndAsync();
        var errors = compiler.StandardError.ReadToEnd();
        compiler.WaitForExit();
        Assert.True(compiler.ExitCode == 0, $"cc failed for {name}.c:\n{errors}{output.Result}");
        return outputPath;
    }

    /// <summary>Runs a compiled program without arguments and returns its standard output; fails the test if it exits non-zero.</summary>
    public static string Run(string executable)
    {
        using var process = Process.Start(new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var errors = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{executable} exited with {process.ExitCode}: {errors.Result}");
        return output;
    }
}
