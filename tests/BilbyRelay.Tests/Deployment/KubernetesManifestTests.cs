using System.Runtime.CompilerServices;
using BilbyRelay.Cli;
using BilbyRelay.Tests.Cli;
using BilbyRelay.Tests.Common;
using Xunit;
using YamlDotNet.RepresentationModel;

namespace BilbyRelay.Tests.Deployment;

/// <summary>Every manifest under deploy/kubernetes parses, and what the relay relies on is set in each.</summary>
public sealed class KubernetesManifestTests
{
    private static readonly string Directory = Path.Combine(RepositoryRoot(), "deploy", "kubernetes");

    [Fact]
    public void EveryManifest_ParsesAndHasKindAndName()
    {
        var documents = Documents().ToList();

        Assert.Equal(5, documents.Count);
        Assert.All(documents, d => Assert.False(string.IsNullOrEmpty(Text(d.Root, "metadata", "name")), $"{d.File}: no metadata.name"));
        Assert.Equal(["ConfigMap", "Deployment", "Deployment", "Service", "Service"], documents.Select(d => Text(d.Root, "kind")).Order());
    }

    [Fact]
    public void Deployments_RunNonRootReadOnlyWithoutCapabilities_AndProbeHealth()
    {
        foreach (var (file, root) in Documents().Where(d => Text(d.Root, "kind") == "Deployment"))
        {
            var pod = Map(root, "spec", "template", "spec");
            Assert.Equal("true", Text(pod, "securityContext", "runAsNonRoot"));
            Assert.Equal("65532", Text(pod, "securityContext", "runAsUser"));
            foreach (var container in Sequence(pod, "containers").Cast<YamlMappingNode>())
            {
                var name = $"{file}: {Text(container, "name")}";
                Assert.True(Text(container, "securityContext", "readOnlyRootFilesystem") == "true", $"{name}: root filesystem not read-only");
                Assert.True(Text(container, "securityContext", "allowPrivilegeEscalation") == "false", name);
                Assert.Equal(["ALL"], Sequence(container, "securityContext", "capabilities", "drop").Select(n => n.ToString()));
            }

            var relay = RelayContainer(pod);
            Assert.Contains(("quic", 4433, "UDP"), Ports(relay));
            Assert.False(string.IsNullOrEmpty(Text(relay, "resources", "limits", "memory")), $"{file}: no memory limit");
            foreach (var probe in new[] { "readinessProbe", "livenessProbe" })
            {
                AssertProbesHealth(file, relay, Map(relay, probe));
            }
        }
    }

    [Fact]
    public void Services_ExposeQuicOverUdpAndStatsOverTcp_OnPortsTheRelayListensOn()
    {
        var relay = RelayContainer(Map(Manifest("deployment.yaml"), "spec", "template", "spec"));
        var containerPorts = Ports(relay).ToDictionary(p => p.Name, p => p.Protocol);

        var service = Manifest("service.yaml");
        Assert.Equal([(4433, "UDP"), (4434, "UDP"), (4480, "TCP")], ServicePorts(service).Select(p => (p.Port, p.Protocol)));
        var balancer = Manifest("service-loadbalancer.yaml");
        Assert.Equal("LoadBalancer", Text(balancer, "spec", "type"));
        Assert.Equal("Local", Text(balancer, "spec", "externalTrafficPolicy"));
        Assert.All(ServicePorts(balancer), p => Assert.Equal("UDP", p.Protocol));

        foreach (var (port, protocol, target) in ServicePorts(service).Concat(ServicePorts(balancer)))
        {
            Assert.True(containerPorts.TryGetValue(target, out var containerProtocol), $"service port {port} targets '{target}', which the relay container does not name");
            Assert.Equal(protocol, containerProtocol);
        }
    }

    [Fact]
    public async Task ConfigMapRelayToml_IsValid_AndListensOnTheContainerPorts()
    {
        var toml = Text(Manifest("configmap.yaml"), "data", "relay.toml")!;
        using var directory = new TempFilesDirectory();
        var run = new ProgramRun();

        var exit = await run.RunAsync("check-config", "--config", directory.WriteFile("relay.toml", toml), "--output", "json");

        Assert.Equal(ExitCodes.Success, exit);
        Assert.Equal("\nconfiguration is valid\n", run.Error.ToString());
        var relay = RelayContainer(Map(Manifest("deployment.yaml"), "spec", "template", "spec"));
        foreach (var (_, port, _) in Ports(relay))
        {
            Assert.Contains($"0.0.0.0:{port}", run.Out.ToString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void ContainerPorts_MatchTheImagesExpose()
    {
        var expose = File.ReadLines(Path.Combine(RepositoryRoot(), "Dockerfile.distroless")).Single(l => l.StartsWith("EXPOSE ", StringComparison.Ordinal));
        var relay = RelayContainer(Map(Manifest("deployment.yaml"), "spec", "template", "spec"));

        Assert.Equal(expose["EXPOSE ".Length..].Split(' '), Ports(relay).Select(p => $"{p.Port}/{p.Protocol.ToLowerInvariant()}"));
    }

    private static void AssertProbesHealth(string file, YamlMappingNode relay, YamlMappingNode probe)
    {
        if (probe.Children.ContainsKey("httpGet"))
        {
            Assert.Equal("/health", Text(probe, "httpGet", "path"));
            var port = Text(probe, "httpGet", "port");
            Assert.Contains(Ports(relay), p => (p.Name == port || p.Port.ToString(System.Globalization.CultureInfo.InvariantCulture) == port) && p.Port == 4480 && p.Protocol == "TCP");
        }
        else
        {
            var command = Sequence(probe, "exec", "command").Select(n => n.ToString()).ToList();
            Assert.True(command.Count >= 2 && command[0] == "/usr/bin/bilbyrelay" && command[1] == "health", $"{file}: the probe is neither GET /health nor 'bilbyrelay health'");
        }
    }

    private static YamlMappingNode RelayContainer(YamlMappingNode pod) =>
        Sequence(pod, "containers").Cast<YamlMappingNode>().Single(c => Text(c, "name") == "bilbyrelay");

    private static IEnumerable<(string Name, int Port, string Protocol)> Ports(YamlMappingNode container) =>
        Sequence(container, "ports").Cast<YamlMappingNode>().Select(p => (
            Text(p, "name") ?? string.Empty,
            int.Parse(Text(p, "containerPort")!, System.Globalization.CultureInfo.InvariantCulture),
            Text(p, "protocol") ?? "TCP"));

    private static IEnumerable<(int Port, string Protocol, string Target)> ServicePorts(YamlMappingNode service) =>
        Sequence(service, "spec", "ports").Cast<YamlMappingNode>().Select(p => (
            int.Parse(Text(p, "port")!, System.Globalization.CultureInfo.InvariantCulture),
            Text(p, "protocol") ?? "TCP",
            Text(p, "targetPort")!));

    private static YamlMappingNode Manifest(string file) => Documents().Single(d => d.File == file).Root;

    private static IEnumerable<(string File, YamlMappingNode Root)> Documents()
    {
        foreach (var path in System.IO.Directory.GetFiles(Directory, "*.yaml").Order(StringComparer.Ordinal))
        {
            var stream = new YamlStream();
            using (var reader = new StreamReader(path))
            {
                stream.Load(reader);
            }

            foreach (var document in stream.Documents)
            {
                yield return (Path.GetFileName(path), Assert.IsType<YamlMappingNode>(document.RootNode));
            }
        }
    }

    private static YamlNode? Node(YamlNode node, params string[] path)
    {
        foreach (var key in path)
        {
            if (node is not YamlMappingNode map || !map.Children.TryGetValue(new YamlScalarNode(key), out var child))
            {
                return null;
            }

            node = child;
        }

        return node;
    }

    private static string? Text(YamlNode node, params string[] path) => (Node(node, path) as YamlScalarNode)?.Value;

    private static YamlMappingNode Map(YamlNode node, params string[] path) =>
        Assert.IsType<YamlMappingNode>(Node(node, path));

    private static IEnumerable<YamlNode> Sequence(YamlNode node, params string[] path) =>
        Assert.IsType<YamlSequenceNode>(Node(node, path)).Children;

    private static string RepositoryRoot([CallerFilePath] string thisFile = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(thisFile)!, "..", "..", ".."));
}
