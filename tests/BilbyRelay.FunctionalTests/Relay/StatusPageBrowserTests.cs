using System.Text.Json;
using BilbyRelay.FunctionalTests.Infrastructure;

namespace BilbyRelay.FunctionalTests.Relay;

/// <summary>
/// The status page in a real browser (headless Chromium) against the published binary with edges connected: it
/// renders its charts and tables from the API, logs no error, requests nothing but its own relay, and works both
/// without an api_token and with one (given in the URL fragment, or typed into its prompt).
/// </summary>
public sealed class StatusPageBrowserTests
{
    private const string Token = "status-page-test-token";

    [Fact]
    public async Task StatusPage_RendersLiveData_WithAndWithoutApiToken()
    {
        await using var openRelay = await PublishedRelay.StartAsync();
        await using var tokenRelay = await PublishedRelay.StartAsync(new Dictionary<string, string> { ["BILBYRELAY_API_TOKEN"] = Token });
        await using var openPair = await TunnelPair.BindAsync(openRelay.Endpoint);
        await using var tokenPair = await TunnelPair.BindAsync(tokenRelay.Endpoint);
        await using var browser = await HeadlessChromium.StartAsync();

        // No api_token: the page polls the open API.
        var openOrigin = $"http://{openRelay.ApiEndpoint}";
        await browser.NavigateAsync(openOrigin + "/status");
        await ExpectLiveDataAsync(browser, openPair.TunnelId);

        // With api_token, handed over in the fragment: used from memory and removed from the address bar.
        var tokenOrigin = $"http://{tokenRelay.ApiEndpoint}";
        await browser.NavigateAsync(tokenOrigin + "/#token=" + Token);
        await ExpectLiveDataAsync(browser, tokenPair.TunnelId);
        Assert.Equal(tokenOrigin + "/", (await browser.EvaluateAsync("location.href")).GetString());

        var problems = browser.Problems();
        Assert.True(problems.Count == 0, "console errors, warnings or exceptions:\n" + string.Join("\n", problems));
        AssertOnlyOwnOrigins(browser, openOrigin, tokenOrigin);

        // With api_token but no fragment: a fresh load has no token, so the page asks for it.
        await browser.NavigateAsync(tokenOrigin + "/");
        await browser.UntilAsync("document.body.dataset.state === 'auth'", () => "the page never asked for the token");
        Assert.False((await browser.EvaluateAsync("document.getElementById('auth').hidden")).GetBoolean());
        await browser.EvaluateAsync($"document.getElementById('token-input').value = '{Token}'; document.getElementById('token-form').requestSubmit(); true");
        await ExpectLiveDataAsync(browser, tokenPair.TunnelId);
        Assert.True((await browser.EvaluateAsync("document.getElementById('auth').hidden")).GetBoolean());
        Assert.Equal(string.Empty, (await browser.EvaluateAsync("document.getElementById('token-input').value")).GetString());

        // The only complaints allowed are the browser's notes about the 401s that made the page ask.
        var afterPrompt = browser.Problems(static (method, p) =>
            method == "Log.entryAdded" && p.GetProperty("entry").GetProperty("source").GetString() == "network"
            && p.GetProperty("entry").GetProperty("text").GetString()!.Contains("401", StringComparison.Ordinal));
        Assert.True(afterPrompt.Count == 0, "console errors, warnings or exceptions:\n" + string.Join("\n", afterPrompt));
        AssertOnlyOwnOrigins(browser, openOrigin, tokenOrigin);
    }

    private static async Task ExpectLiveDataAsync(HeadlessChromium browser, Guid tunnelId)
    {
        // Two polls give every chart at least two points, i.e. a drawn line.
        await browser.UntilAsync(
            "Number(document.body.dataset.polls) >= 2",
            () => "state " + browser.EvaluateAsync("document.body.dataset.state + ' ' + document.getElementById('status').textContent").GetAwaiter().GetResult());

        Assert.Equal("live", (await browser.EvaluateAsync("document.body.dataset.state")).GetString());
        foreach (var (chart, lines) in new[] { ("chart-bandwidth", 1), ("chart-counts", 2), ("chart-drops", 3) })
        {
            Assert.True((await browser.EvaluateAsync($"Number(document.getElementById('{chart}').dataset.points)")).GetInt32() >= 2, chart);
            var polylines = await browser.EvaluateAsync(
                $"[...document.querySelectorAll('#{chart} polyline')].map(p => p.getAttribute('points').split(' ').length)");
            Assert.Equal(lines, polylines.GetArrayLength());
            Assert.All(polylines.EnumerateArray(), points => Assert.True(points.GetInt32() >= 2, $"{chart} line has {points} points"));
        }

        Assert.Equal("2", (await browser.EvaluateAsync("document.getElementById('edges-count').textContent")).GetString());
        Assert.Equal("1 / 1", (await browser.EvaluateAsync("document.getElementById('tunnels-count').textContent")).GetString());
        Assert.Equal("not configured", (await browser.EvaluateAsync("document.getElementById('manager').textContent")).GetString());
        Assert.Equal(2, (await browser.EvaluateAsync("document.querySelectorAll('#edges tr').length")).GetInt32());
        var tunnelRow = await browser.EvaluateAsync("[...document.querySelectorAll('#tunnels tr td')].map(td => td.textContent)");
        Assert.Equal(tunnelId.ToString("D"), tunnelRow[0].GetString());
        Assert.Equal("active", tunnelRow[2].GetString());
        Assert.Matches("^[0-9]+[dhms]( [0-9]+[hms])*$", (await browser.EvaluateAsync("document.getElementById('uptime').textContent")).GetString()!);
    }

    private static void AssertOnlyOwnOrigins(HeadlessChromium browser, params string[] origins)
    {
        var urls = browser.RequestedUrls();
        Assert.NotEmpty(urls);
        // data: URLs (the page's empty favicon) are not requests to anywhere.
        var foreign = urls.Where(url => !url.StartsWith("data:", StringComparison.Ordinal)
            && !origins.Any(origin => url.StartsWith(origin + "/", StringComparison.Ordinal))).ToList();
        Assert.True(foreign.Count == 0, "requests outside the relay:\n" + string.Join("\n", foreign));
    }
}
