using BilbyRelay.Core.Tests.Fakes;
using BilbyRelay.Core.Tunnels;

namespace BilbyRelay.Core.Tests.Tunnels;

public class BindTokenStoreTests
{
    private static readonly TunnelId Id = TunnelId.Parse("0b7e5f8c-1d2a-4e3b-8c4d-5e6f7a8b9c0d");

    [Fact]
    public void Unauthorized_PermissiveAllowsAnything()
    {
        var store = new BindTokenStore(requireBindAuth: false, TestSha256.Function);
        Assert.True(store.Check(Id, TunnelDirection.Ingress, null));
        Assert.True(store.Check(Id, TunnelDirection.Egress, "whatever"));
    }

    [Fact]
    public void Unauthorized_StrictRejectsEverything()
    {
        var store = new BindTokenStore(requireBindAuth: true, TestSha256.Function);
        Assert.False(store.Check(Id, TunnelDirection.Ingress, null));
        Assert.False(store.Check(Id, TunnelDirection.Egress, "whatever"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Authorized_RequiresTheTokenOfThatDirection(bool strict)
    {
        var store = new BindTokenStore(strict, TestSha256.Function);
        store.Authorize(Id, "in-token", "eg-token");

        Assert.True(store.Check(Id, TunnelDirection.Ingress, "in-token"));
        Assert.True(store.Check(Id, TunnelDirection.Egress, "eg-token"));
        Assert.False(store.Check(Id, TunnelDirection.Ingress, "eg-token"));
        Assert.False(store.Check(Id, TunnelDirection.Ingress, "in-tokem"));
        Assert.False(store.Check(Id, TunnelDirection.Ingress, "in-token-longer"));
        Assert.False(store.Check(Id, TunnelDirection.Ingress, "in"));
        Assert.False(store.Check(Id, TunnelDirection.Ingress, ""));
        Assert.False(store.Check(Id, TunnelDirection.Ingress, null));
    }

    [Fact]
    public void Authorize_ReplacesPreviousTokens()
    {
        var store = new BindTokenStore(false, TestSha256.Function);
        store.Authorize(Id, "a", "b");
        store.Authorize(Id, "c", "d");
        Assert.False(store.Check(Id, TunnelDirection.Ingress, "a"));
        Assert.True(store.Check(Id, TunnelDirection.Ingress, "c"));
    }

    [Fact]
    public void Revoke_RestoresPolicyDefault()
    {
        var strict = new BindTokenStore(true, TestSha256.Function);
        strict.Authorize(Id, "a", "b");
        Assert.True(strict.Revoke(Id));
        Assert.False(strict.Revoke(Id));
        Assert.False(strict.Check(Id, TunnelDirection.Ingress, "a"));

        var permissive = new BindTokenStore(false, TestSha256.Function);
        permissive.Authorize(Id, "a", "b");
        permissive.Revoke(Id);
        Assert.True(permissive.Check(Id, TunnelDirection.Ingress, null));
    }

    [Fact]
    public void Tokens_ComparedAsUtf8()
    {
        var store = new BindTokenStore(false, TestSha256.Function);
        store.Authorize(Id, "héllo", "e");
        Assert.True(store.Check(Id, TunnelDirection.Ingress, "héllo"));
        Assert.False(store.Check(Id, TunnelDirection.Ingress, "hello"));
    }
}
