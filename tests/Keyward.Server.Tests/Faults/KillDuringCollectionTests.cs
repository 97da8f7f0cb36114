using Keyward.Server.Tests.Infrastructure;
using Keyward.Testing.Databases;
using Npgsql;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Keyward.Server.Tests.Faults;

/// <summary>
/// A <c>keyward server</c> process killed with SIGKILL while sixteen File Store collections run on it, then a new process
/// on the same database (docs/recovery.md, "Interrupted collections" and "Releases"). Whatever moment the kill hits,
/// afterwards no request is stuck InProgress, every request can be collected (again, for a completed one whose answer
/// was lost), every PFX that reached the client opens, and no key left without its audit entry.
/// </summary>
public sealed class KillDuringCollectionTests(PostgresServer postgres, ITestOutputHelper output) : IClassFixture<PostgresServer>
{
    private const int Requests = 16;

    /// <summary>
    /// Carol's own password for the collects the kill interrupts. A chosen password costs 100,000 PBKDF2 iterations per
    /// PFX (docs/pfx.md), so sixteen collections stay under way long enough for a kill at the first answer to find some
    /// released and others taken but not yet released.
    /// </summary>
    private const string Password = "Kill-Drill-2026x";

    /// <summary>The kill comes at the first answer, or at the latest after this.</summary>
    private static readonly TimeSpan KillLimit = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Collect_ProcessKilledDuringSixteenCollectionsOnSqlite_EveryRequestSettlesAndEveryReleaseIsAudited()
    {
        var data = Directory.CreateTempSubdirectory("keyward-kill-sqlite-").FullName;
        try
        {
            await KillAndRestartAsync(data, FaultDrill.Environment());
            Assert.True(File.Exists(Path.Combine(data, "keyward.db")), "The servers ran on the data folder's SQLite database.");
        }
        finally
        {
            DeleteFolder(data);
        }
    }

    [Fact]
    public async Task Collect_ProcessKilledDuringSixteenCollectionsOnPostgres_EveryRequestSettlesAndEveryReleaseIsAudited()
    {
        await using var database = await postgres.CreateEmptyDatabaseAsync(CancellationToken.None);
        var data = Directory.CreateTempSubdirectory("keyward-kill-postgres-").FullName;
        try
        {
            await KillAndRestartAsync(data, FaultDrill.Environment(database.Options.ConnectionString));
            Assert.False(File.Exists(Path.Combine(data, "keyward.db")), "The servers ran on PostgreSQL, not on SQLite.");
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            DeleteFolder(data);
        }
    }

    private async Task KillAndRestartAsync(string data, IReadOnlyDictionary<string, string> environment)
    {
        KeywardProcess? first = null;
        KeywardProcess? second = null;
        try
        {
            first = KeywardProcess.StartServer("first", data, environment, "--demo");
            await first.WaitUntilHealthyAsync();
            var tickets = await FaultDrill.ApprovedRequestsForCarolAsync(first, Requests);

            IReadOnlyList<FaultDrill.Answer> duringKill;
            using (var carol = await first.SignInAsync("carol"))
            {
                var collects = tickets.Select(t => Task.Run(() => FaultDrill.CollectAsync(carol, t.RequestId, Password))).ToList();
                await Task.WhenAny(Task.WhenAny(collects), Task.Delay(KillLimit));
                await first.KillAsync();
                duringKill = await Task.WhenAll(collects);
            }

            output.WriteLine($"Answers before and at the kill: {FaultDrill.Describe(duringKill)}");
            foreach (var answer in duringKill.Where(a => a.Status is not null && !a.Delivered))
            {
                FaultDrill.AssertProblemWithCode(answer);
            }

            second = KeywardProcess.StartServer("second", data, environment, "--demo");
            await second.WaitUntilHealthyAsync();
            using var admin = await second.SignInAsync("admin");
            using var carolAgain = await second.SignInAsync("carol");
            var settled = await FaultDrill.SettledAsync(admin, tickets);
            output.WriteLine($"After the restart: {FaultDrill.Describe(settled)}");
            Assert.All(settled, s => Assert.True(s.Value is "AwaitingIssue" or "Completed", $"Request {s.Key} is {s.Value}: an interrupted collection returns to AwaitingIssue, a released one is Completed."));
            var delivered = duringKill.Where(a => a.Delivered).Select(a => a.RequestId).ToHashSet(StringComparer.Ordinal);
            Assert.All(delivered, id => Assert.True(settled[id] == "Completed", $"Request {id} delivered a PFX before the kill, so its release was recorded: it is Completed, not {settled[id]}."));

            // Collected now: what was never released, and — within the re-collect window — what was released but whose answer was lost.
            var afterRestart = new List<FaultDrill.Answer>();
            foreach (var ticket in tickets.Where(t => !delivered.Contains(t.RequestId)))
            {
                var answer = await FaultDrill.CollectAsync(carolAgain, ticket.RequestId);
                Assert.True(answer.Delivered, $"Request {ticket.RequestId} ({settled[ticket.RequestId]} after the restart) is collected by carol: {answer}");
                afterRestart.Add(answer);
            }

            var answers = duringKill.Concat(afterRestart).ToList();
            foreach (var answer in answers.Where(a => a.Delivered))
            {
                FaultDrill.AssertPfxOpens(answer, tickets.Single(t => t.RequestId == answer.RequestId));
            }

            output.WriteLine($"Histories:\n{await FaultDrill.HistoriesAsync(admin, tickets)}");
            await FaultDrill.AssertEveryReleaseAuditedAsync(admin, tickets, answers);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            throw new XunitException($"{ex.Message}\n\n--- first keyward server (killed) ---\n{first?.Output}\n--- second keyward server ---\n{second?.Output}", ex);
        }
        finally
        {
            if (second is not null)
            {
                await second.DisposeAsync();
            }

            if (first is not null)
            {
                await first.DisposeAsync();
            }
        }
    }

    private static void DeleteFolder(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open is harmless in a temporary folder.
        }
    }
}
