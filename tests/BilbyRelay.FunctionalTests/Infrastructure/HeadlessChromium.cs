using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using BilbyRelay.Tests.Common;

namespace BilbyRelay.FunctionalTests.Infrastructure;

/// <summary>
/// Debian's headless Chromium driven over the DevTools protocol (a WebSocket), so a test can load a page, evaluate
/// script in it, and see every console message, uncaught exception and network request the page makes.
/// The browser runs with a fresh profile and without its own background traffic; it is closed by its process id.
/// </summary>
internal sealed class HeadlessChromium : IAsyncDisposable
{
    public const string BinaryPath = "/usr/bin/chromium";

    private readonly Process _process;
    private readonly TempFilesDirectory _profile;
    private readonly ClientWebSocket _socket = new();
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonElement>> _pending = new();
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly StringBuilder _stderr = new();
    private readonly CancellationTokenSource _stopping = new();
    private Task _receiveLoop = Task.CompletedTask;
    private string _sessionId = string.Empty;
    private int _nextId;

    private HeadlessChromium(Process process, TempFilesDirectory profile)
    {
        _process = process;
        _profile = profile;
    }

    /// <summary>Every event of the page's session, in arrival order: (method, params).</summary>
    public ConcurrentQueue<(string Method, JsonElement Params)> Events { get; } = new();

    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>Starts the browser and attaches to a blank page with console, log and network events enabled.</summary>
    public static async Task<HeadlessChromium> StartAsync()
    {
        Assert.True(File.Exists(BinaryPath), $"{BinaryPath} is missing; scripts/bootstrap --test installs Debian's chromium package.");
        var profile = new TempFilesDirectory();
        var start = new ProcessStartInfo(BinaryPath)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--no-default-browser-check",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-extensions",
            "--disable-default-apps", "--disable-breakpad", "--metrics-recording-only", "--mute-audio", "--disable-dev-shm-usage",
            "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", "--user-data-dir=" + profile.Path, "about:blank",
        })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("chromium did not start");
        var browser = new HeadlessChromium(process, profile);
        var endpoint = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                endpoint.TrySetException(new InvalidOperationException("chromium closed stderr before its DevTools endpoint was known"));
                return;
            }

            lock (browser._stderr)
            {
                browser._stderr.AppendLine(e.Data);
            }

            const string marker = "DevTools listening on ";
            if (e.Data.StartsWith(marker, StringComparison.Ordinal))
            {
                endpoint.TrySetResult(e.Data[marker.Length..].Trim());
            }
        };
        process.OutputDataReceived += static (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        try
        {
            var url = await endpoint.Task.WaitAsync(TestTimeouts.Default);
            await browser._socket.ConnectAsync(new Uri(url), TestTimeouts.Token());
            browser._receiveLoop = browser.ReceiveAllAsync();
            var target = await browser.SendAsync("Target.createTarget", new JsonObject { ["url"] = "about:blank" }, browserLevel: true);
            var attached = await browser.SendAsync(
                "Target.attachToTarget",
                new JsonObject { ["targetId"] = target.GetProperty("targetId").GetString(), ["flatten"] = true },
                browserLevel: true);
            browser._sessionId = attached.GetProperty("sessionId").GetString()!;
            foreach (var domain in new[] { "Runtime", "Log", "Network", "Page" })
            {
                await browser.SendAsync(domain + ".enable");
            }

            return browser;
        }
        catch (Exception e)
        {
            await browser.DisposeAsync();
            throw new InvalidOperationException($"chromium DevTools session failed: {e.Message}\n{browser.Stderr}", e);
        }
    }

    /// <summary>Loads <paramref name="url"/> and returns once the new document has loaded, never while the old one is still shown.</summary>
    public async Task NavigateAsync(string url)
    {
        await EvaluateAsync("window.previousDocument = true");
        await SendAsync("Page.navigate", new JsonObject { ["url"] = url });
        await UntilAsync("window.previousDocument === undefined && document.readyState === 'complete'", () => "page " + url + " did not load");
    }

    /// <summary>The value of a script expression in the page (awaited if it is a promise).</summary>
    public async Task<JsonElement> EvaluateAsync(string expression)
    {
        var result = await SendAsync("Runtime.evaluate", new JsonObject
        {
            ["expression"] = expression,
            ["returnByValue"] = true,
            ["awaitPromise"] = true,
        });
        if (result.TryGetProperty("exceptionDetails", out var exception))
        {
            throw new InvalidOperationException($"'{expression}' threw: {exception}");
        }

        var value = result.GetProperty("result");
        return value.TryGetProperty("value", out var v) ? v.Clone() : default;
    }

    /// <summary>Waits until a boolean expression is true in the page; while a new page is loading it may throw, which counts as false.</summary>
    public async Task UntilAsync(string expression, Func<string> describe)
    {
        var watch = Stopwatch.StartNew();
        while ((await EvaluateAsync("(() => { try { return !!(" + expression + "); } catch { return false; } })()")).ValueKind != JsonValueKind.True)
        {
            Assert.True(watch.Elapsed < TestTimeouts.Default, $"'{expression}' not true within {TestTimeouts.Default}: {describe()}");
            await Task.Delay(50);
        }
    }

    /// <summary>URLs of every request the page sent since the events were last cleared.</summary>
    public IReadOnlyList<string> RequestedUrls() =>
        [.. Events.Where(static e => e.Method == "Network.requestWillBeSent").Select(static e => e.Params.GetProperty("request").GetProperty("url").GetString()!)];

    /// <summary>Every console message, uncaught exception, and error or warning log entry, except those <paramref name="allow"/> accepts.</summary>
    public IReadOnlyList<string> Problems(Func<string, JsonElement, bool>? allow = null)
    {
        var problems = new List<string>();
        foreach (var (method, parameters) in Events)
        {
            var isProblem = method switch
            {
                "Runtime.exceptionThrown" => true,
                "Runtime.consoleAPICalled" => true,
                "Log.entryAdded" => parameters.GetProperty("entry").GetProperty("level").GetString() is "error" or "warning",
                _ => false,
            };
            if (isProblem && (allow is null || !allow(method, parameters)))
            {
                problems.Add(method + " " + parameters);
            }
        }

        return problems;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_socket.State == WebSocketState.Open)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await SendAsync("Browser.close", browserLevel: true).WaitAsync(timeout.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException or WebSocketException or InvalidOperationException)
        {
            // The process is ended below either way.
        }

        if (!_process.HasExited)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }

        await _stopping.CancelAsync();
        try
        {
            await _receiveLoop;
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException)
        {
        }

        _socket.Dispose();
        _process.Dispose();
        _profile.Dispose();
        _stopping.Dispose();
    }

    private async Task<JsonElement> SendAsync(string method, JsonObject? parameters = null, bool browserLevel = false)
    {
        var id = Interlocked.Increment(ref _nextId);
        var message = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters ?? new JsonObject() };
        if (!browserLevel)
        {
            message["sessionId"] = _sessionId;
        }

        var reply = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = reply;
        await _sendLock.WaitAsync();
        try
        {
            await _socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString()), WebSocketMessageType.Text, endOfMessage: true, TestTimeouts.Token());
        }
        finally
        {
            _sendLock.Release();
        }

        return await reply.Task.WaitAsync(TestTimeouts.Default);
    }

    private async Task ReceiveAllAsync()
    {
        var buffer = new byte[64 * 1024];
        var message = new MemoryStream();
        while (_socket.State == WebSocketState.Open && !_stopping.IsCancellationRequested)
        {
            var result = await _socket.ReceiveAsync(buffer, _stopping.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                break;
            }

            message.Write(buffer, 0, result.Count);
            if (!result.EndOfMessage)
            {
                continue;
            }

            using (var document = JsonDocument.Parse(message.ToArray()))
            {
                var root = document.RootElement;
                if (root.TryGetProperty("id", out var id) && _pending.TryRemove(id.GetInt32(), out var reply))
                {
                    if (root.TryGetProperty("error", out var error))
                    {
                        reply.TrySetException(new InvalidOperationException("DevTools error: " + error));
                    }
                    else
                    {
                        reply.TrySetResult(root.GetProperty("result").Clone());
                    }
                }
                else if (root.TryGetProperty("method", out var method))
                {
                    Events.Enqueue((method.GetString()!, root.TryGetProperty("params", out var p) ? p.Clone() : default));
                }
            }

            message.SetLength(0);
        }
    }
}
