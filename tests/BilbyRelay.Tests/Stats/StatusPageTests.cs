using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using BilbyRelay.Stats;
using Xunit;

namespace BilbyRelay.Tests.Stats;

/// <summary>The status page as served: public shell, strict headers, self-contained. Its rendering is proven in a browser by StatusPageBrowserTests.</summary>
public sealed partial class StatusPageTests
{
    [Theory]
    [InlineData("/")]
    [InlineData("/status")]
    [InlineData("/status?refresh=1")]
    public async Task Page_IsPublicEvenWithAToken_WithStrictHeaders(string path)
    {
        await using StatsTestServer server = await StatsTestServer.StartAsync(StatsTestServer.WithToken);
        using HttpClient client = server.CreateClient();

        using HttpResponseMessage response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("utf-8", response.Content.Headers.ContentType?.CharSet);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("DENY", Assert.Single(response.Headers.GetValues("X-Frame-Options")));
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        var html = await response.Content.ReadAsStringAsync();
        var policy = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
        Assert.StartsWith("default-src 'none'; ", policy, StringComparison.Ordinal);
        Assert.Contains("connect-src 'self'", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe", policy, StringComparison.Ordinal);

        // The hashes allow exactly the page's one script and one style.
        Assert.Contains($"script-src '{Sha256(Inline(html, "script"))}'", policy, StringComparison.Ordinal);
        Assert.Contains($"style-src '{Sha256(Inline(html, "style"))}'", policy, StringComparison.Ordinal);
        Assert.Single(ScriptTag().Matches(html));
    }

    [Fact]
    public async Task Page_IsSelfContainedAndSmall_WithoutInlineHandlersOrStyleAttributes()
    {
        var html = Encoding.UTF8.GetString(StatusPage.Body);

        Assert.True(StatusPage.Body.Length < 30 * 1024, $"the page is {StatusPage.Body.Length} bytes");
        // The only absolute URL is the SVG namespace, an identifier that is never fetched.
        Assert.Equal(["http://www.w3.org/2000/svg"], AbsoluteUrl().Matches(html).Select(m => m.Value).Distinct());
        Assert.Empty(InlineHandler().Matches(html));
        Assert.DoesNotContain(" style=", html, StringComparison.Ordinal);
        Assert.DoesNotContain("innerHTML", html, StringComparison.Ordinal);
        Assert.DoesNotContain("eval(", html, StringComparison.Ordinal);
        await Task.CompletedTask;
    }

    [Fact]
    public async Task Head_HasTheHeadersWithoutBody_AndOtherMethodsAre405()
    {
        await using StatsTestServer server = await StatsTestServer.StartAsync();
        using HttpClient client = server.CreateClient();

        using HttpResponseMessage head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/"));
        using HttpResponseMessage post = await client.PostAsync("/", new StringContent(""));

        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(StatusPage.Body.Length, head.Content.Headers.ContentLength);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
        Assert.True(head.Headers.Contains("Content-Security-Policy"));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
    }

    [Fact]
    public async Task DataRoutes_StillNeedTheToken()
    {
        await using StatsTestServer server = await StatsTestServer.StartAsync(StatsTestServer.WithToken);
        using HttpClient client = server.CreateClient();

        using HttpResponseMessage stats = await client.GetAsync("/api/v1/stats");
        using HttpResponseMessage nested = await client.GetAsync("/status/");

        Assert.Equal(HttpStatusCode.Unauthorized, stats.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, nested.StatusCode);
    }

    private static string Inline(string html, string tag)
    {
        var start = html.IndexOf("<" + tag + ">", StringComparison.Ordinal) + tag.Length + 2;
        return html[start..html.IndexOf("</" + tag + ">", start, StringComparison.Ordinal)];
    }

    private static string Sha256(string text) => "sha256-" + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    [GeneratedRegex("<script")]
    private static partial Regex ScriptTag();

    [GeneratedRegex(@"(?:https?:)?//[a-zA-Z0-9.-]+\.[a-z]{2,}[^\s""')]*")]
    private static partial Regex AbsoluteUrl();

    [GeneratedRegex(@"\son[a-z]+\s*=", RegexOptions.IgnoreCase)]
    private static partial Regex InlineHandler();
}
