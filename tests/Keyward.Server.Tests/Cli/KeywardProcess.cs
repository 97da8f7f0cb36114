using System.Diagnostics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.RegularExpressions;
using Keyward.Server.Tests.Infrastructure;
using Keyward.Server.Tests.Recovery;

namespace Keyward.Server.Tests.Cli;

/// <summary>
/// Runs the keyward program as a real process (<c>dotnet keyward.dll</c> from the test's output folder) against a
/// loopback demo server, signed in as a demo person, with its own HOME so that nothing lands in the tester's stores.
/// </summary>
internal sealed partial class KeywardProcess : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(3);

    public KeywardProcess(DemoServer server)
    {
        Server = server;
        Home = Directory.CreateTempSubdirectory("keyward-home-").FullName;
        Temp = Directory.CreateDirectory(Path.Combine(Home, "tmp")).FullName;
    }

    public DemoServer Server { get; }

    /// <summary>Further environment variables of every run (a private SoftHSM2 configuration, a fault to inject).</summary>
    public Dictionary<string, string> Environment { get; } = new(StringComparer.Ordinal);

    /// <summary>The HOME of every run: .NET's personal certificate store lands under it.</summary>
    public string Home { get; }

    /// <summary>The TMPDIR of every run: what keyward puts in temporary folders must be gone when it exits.</summary>
    public string Temp { get; }

    /// <summary>Where .NET on Linux keeps the CurrentUser\My store of <see cref="Home"/>.</summary>
    public string PersonalStore => Path.Combine(Home, ".dotnet", "corefx", "cryptography", "x509stores", "my");

    public sealed record Outcome(int Exit, string Output, string Error)
    {
        public override string ToString() => $"exit {Exit}\nstdout: {Output}\nstderr: {Error}";
    }

    /// <summary>Runs <c>keyward ARGS --server … --client-id LOGON-cli --client-secret LOGON-secret</c>.</summary>
    public Task<Outcome> RunAsAsync(string logonName, params string[] arguments) => RunAsync(logonName, null, arguments);

    public async Task<Outcome> RunAsync(string? logonName, string? standardInput, params string[] arguments)
    {
        var start = new ProcessStartInfo(System.Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Home,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "keyward.dll"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        if (logonName is not null)
        {
            start.ArgumentList.Add("--server");
            start.ArgumentList.Add(Server.Address!.ToString());
            start.ArgumentList.Add("--client-id");
            start.ArgumentList.Add($"{logonName}-cli");
            start.ArgumentList.Add("--client-secret");
            start.ArgumentList.Add($"{logonName}-secret");
        }

        start.Environment["HOME"] = Home;
        start.Environment["TMPDIR"] = Temp;
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment.Remove("KEYWARD_SERVER");
        start.Environment.Remove("KEYWARD_CLIENT_ID");
        start.Environment.Remove("KEYWARD_CLIENT_SECRET");
        foreach (var (name, value) in Environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start keyward.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (standardInput is not null)
        {
            await process.StandardInput.WriteLineAsync(standardInput);
        }

        process.StandardInput.Close();
        using var limit = new CancellationTokenSource(Limit);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"keyward {string.Join(' ', arguments)} did not finish within {Limit.TotalMinutes} minutes.\nstderr: {await error}");
        }

        return new Outcome(process.ExitCode, await output, await error);
    }

    /// <summary>Asserts a successful run and returns what it printed.</summary>
    public async Task<string> OkAsync(string logonName, params string[] arguments)
    {
        var outcome = await RunAsAsync(logonName, arguments);
        Assert.True(outcome.Exit == 0, $"keyward {string.Join(' ', arguments)} as {logonName}: {outcome}");
        Assert.Equal(string.Empty, outcome.Error);
        return outcome.Output;
    }

    /// <summary>Asserts a refusal: non-zero exit, one line on standard error naming <paramref name="code"/>.</summary>
    public async Task<string> RefusedAsync(string code, string logonName, params string[] arguments)
    {
        var outcome = await RunAsAsync(logonName, arguments);
        Assert.True(outcome.Exit != 0, $"keyward {string.Join(' ', arguments)} as {logonName} should have failed: {outcome}");
        var line = Assert.Single(outcome.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("keyward: ", line, StringComparison.Ordinal);
        Assert.Contains(code, line, StringComparison.Ordinal);
        return line;
    }

    /// <summary>The request id in "Request ID created: …".</summary>
    public static string CreatedId(string output)
    {
        var match = CreatedPattern().Match(output);
        Assert.True(match.Success, $"no request id in: {output}");
        return match.Groups[1].Value;
    }

    /// <summary>The password printed after "Password: ".</summary>
    public static string PrintedPassword(string output)
    {
        var match = PasswordPattern().Match(output);
        Assert.True(match.Success, $"no password in: {output}");
        return match.Groups[1].Value;
    }

    /// <summary>A request for carol's archived, non-revoked encryption certificates, made by olivia over the API and, if <paramref name="approve"/>, approved by victor.</summary>
    public async Task<(string RequestId, IReadOnlyDictionary<string, string> Certificates)> ApprovedRequestForCarolAsync(string profile, bool approve = true)
    {
        using var olivia = await Server.SignInAsync("olivia");
        var carol = await Json.PersonIdAsync(olivia, "carol");
        var certificates = await RecoverySteps.ArchivedEncryptionCertificatesAsync(olivia, carol);
        var request = await RecoverySteps.RequestAsync(olivia, carol, profile, certificates.Keys);
        var id = request.GetProperty("id").GetString()!;
        if (approve)
        {
            using var victor = await Server.SignInAsync("victor");
            await RecoverySteps.ApproveAsync(victor, id);
        }

        return (id, certificates);
    }

    /// <summary>The request as the administrator sees it over the API.</summary>
    public async Task<JsonElement> RequestAsync(string requestId)
    {
        using var admin = await Server.SignInAsync("admin");
        return await Json.GetAsync(admin, $"/api/requests/{requestId}");
    }

    public static IReadOnlyList<string> HistoryActions(JsonElement request) =>
        request.GetProperty("history").EnumerateArray().Select(h => h.GetProperty("action").GetString()!).ToList();

    /// <summary>The certificate's private key signs what its public key (read afresh from the certificate) verifies.</summary>
    public static void AssertKeyMatches(X509Certificate2 certificate)
    {
        Assert.True(certificate.HasPrivateKey, $"{certificate.Subject} has no private key");
        using var privateKey = certificate.GetRSAPrivateKey();
        Assert.NotNull(privateKey);
        using var bare = X509CertificateLoader.LoadCertificate(certificate.RawData);
        using var publicKey = bare.GetRSAPublicKey()!;
        var data = RandomNumberGenerator.GetBytes(64);
        var signature = privateKey.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pss);
        Assert.True(publicKey.VerifyData(data, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pss), $"the key of {certificate.Subject} does not match its certificate");
    }

    /// <summary>Serial numbers as hex, upper case, without leading zeros, so that the API's and .NET's spellings compare.</summary>
    public static string Serial(string serial) => serial.Replace(":", string.Empty, StringComparison.Ordinal).TrimStart('0').ToUpperInvariant();

    public static async Task AssertStatusAsync(HttpClient client, string requestId, string status)
    {
        var request = await Json.GetAsync(client, $"/api/requests/{requestId}");
        Assert.Equal(status, request.GetProperty("status").GetString());
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Home, recursive: true);
        }
        catch (IOException)
        {
            // A temporary folder left behind is harmless.
        }
    }

    [GeneratedRegex(@"Request ([0-9a-f]+) created: ")]
    private static partial Regex CreatedPattern();

    [GeneratedRegex(@"^Password: (\S+)\r?$", RegexOptions.Multiline)]
    private static partial Regex PasswordPattern();
}
