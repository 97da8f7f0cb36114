using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Keyward.Server.Tests.Infrastructure;

/// <summary>
/// <c>keyward server</c> as an operator runs it: the built <c>keyward.dll</c> in a process of its own through
/// <c>dotnet</c>, configured by its command line and environment, on a free loopback port. Collects what the
/// process prints, for failure messages. Disposing it kills the process.
/// </summary>
public sealed class KeywardProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartLimit = TimeSpan.FromMinutes(3);
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private KeywardProcess(string name, Process process, Uri address)
    {
        Name = name;
        _process = process;
        Address = address;
    }

    public string Name { get; }

    public Uri Address { get; }

    /// <summary>Everything the process wrote to stdout and stderr so far.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>
    /// Starts <c>dotnet keyward.dll server --urls http://127.0.0.1:PORT --data DIR [arguments]</c> with
    /// <paramref name="environment"/> added. DIR need not exist yet (its parent must).
    /// </summary>
    public static KeywardProcess StartServer(string name, string dataDirectory, IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var program = Path.Combine(AppContext.BaseDirectory, "keyward.dll");
        Assert.True(File.Exists(program), $"{program} is missing: build the solution first.");
        var address = new Uri($"http://127.0.0.1:{Keyward.Testing.LoopbackPorts.Free()}");
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,

            // The data folder itself when it is there; else the folder it will be made in, so the server makes it.
            WorkingDirectory = Directory.Exists(dataDirectory) ? dataDirectory : Path.GetDirectoryName(Path.GetFullPath(dataDirectory))!,
        };
        foreach (var argument in new[] { program, "server", "--urls", address.ToString().TrimEnd('/'), "--data", dataDirectory }.Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var process = new Process { StartInfo = start };
        var server = new KeywardProcess(name, process, address);
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        Assert.True(process.Start(), $"Could not start {start.FileName} {program}.");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return server;
    }

    /// <summary>Waits until <c>GET /health</c> answers 200; fails with the process's output if it exits or never does.</summary>
    public async Task WaitUntilHealthyAsync()
    {
        using var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(10) };
        using var limit = new CancellationTokenSource(StartLimit);
        while (!limit.IsCancellationRequested)
        {
            Assert.False(_process.HasExited, $"keyward server {Name} exited with {(_process.HasExited ? _process.ExitCode : 0)} before it was healthy:\n{Output}");
            try
            {
                using var response = await client.GetAsync(new Uri("/health", UriKind.Relative), limit.Token);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException) when (!limit.IsCancellationRequested)
            {
                // One probe timed out; try again.
            }

            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200), limit.Token);
            }
            catch (TaskCanceledException)
            {
                break;
            }
        }

        Assert.Fail($"keyward server {Name} did not become healthy within {StartLimit.TotalMinutes} min:\n{Output}");
    }

    /// <summary>A client of its own, signed in as a demo person (client id <c>{logon}-cli</c>); the sign-in opens its connection.</summary>
    public async Task<HttpClient> SignInAsync(string logonName)
    {
        var client = new HttpClient { BaseAddress = Address };
        try
        {
            using var form = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "client_credentials",
                ["client_id"] = $"{logonName}-cli",
                ["client_secret"] = $"{logonName}-secret",
            });
            using var response = await client.PostAsync(new Uri("/connect/token", UriKind.Relative), form);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"Sign-in of {logonName} at {Name}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            var token = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString();
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Kills the process as a crash or the kernel's OOM killer would: SIGKILL on Linux, so nothing of the server runs
    /// after it — no shutdown, no flushing, no rollback. Returns once the process has gone.
    /// </summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            await _process.WaitForExitAsync();
        }
        catch (InvalidOperationException)
        {
            // It had already gone.
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    /// <summary>The <c>dotnet</c> host that runs the tests (the SDK says which), else the one on PATH.</summary>
    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host)
            ? host
            : ExternalTool.OnPath("dotnet") ?? "dotnet";
}
