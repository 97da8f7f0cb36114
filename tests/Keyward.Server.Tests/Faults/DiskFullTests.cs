using Keyward.Server.Tests.Infrastructure;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Keyward.Server.Tests.Faults;

/// <summary>
/// The data folder's file system fills up while carol collects (docs/recovery.md, "Collecting"): a <c>keyward server</c>
/// process on the SQLite database of a data folder on a small tmpfs, a filler file that leaves almost no room. Every
/// collect answers — a PFX whose release was recorded, or a problem with a code, never a hang or a bare 500 — and once
/// the space returns the server works again: no request is stuck InProgress, every uncollected request collects, every
/// PFX that left has its audit entry, and the audit chain verifies.
/// </summary>
public sealed class DiskFullTests(ITestOutputHelper output)
{
    /// <summary>Big enough for the seeded demo database and its write-ahead log, small enough to fill at once.</summary>
    private const long VolumeSize = 32L * 1024 * 1024;

    /// <summary>The room the filler leaves: about one collection's claim, less than its release.</summary>
    private const long Room = 32 * 1024;

    private const int Requests = 4;
    private const int CollectedWhileFull = 3;

    [Fact]
    public async Task Collect_DataFolderFullOnSqlite_EveryCollectAnswersAndTheServerRecoversWhenSpaceReturns()
    {
        await using var volume = await SmallVolume.MountAsync(VolumeSize);
        var data = Directory.CreateDirectory(Path.Combine(volume.Path, "data")).FullName;
        KeywardProcess? server = null;
        try
        {
            server = KeywardProcess.StartServer("disk-full", data, FaultDrill.Environment(), "--demo");
            await server.WaitUntilHealthyAsync();
            var tickets = await FaultDrill.ApprovedRequestsForCarolAsync(server, Requests);
            using var admin = await server.SignInAsync("admin");
            using var carol = await server.SignInAsync("carol");

            var filler = volume.Fill(Room);
            output.WriteLine($"Filler: {filler} bytes; {volume.Available} bytes left; write-ahead log {new FileInfo(Path.Combine(data, "keyward.db-wal")).Length} bytes.");
            var whileFull = new List<FaultDrill.Answer>();
            foreach (var ticket in tickets.Take(CollectedWhileFull))
            {
                var answer = await FaultDrill.CollectAsync(carol, ticket.RequestId);
                if (!answer.Delivered)
                {
                    FaultDrill.AssertProblemWithCode(answer);
                }

                whileFull.Add(answer);
            }

            output.WriteLine($"While the disk was full: {string.Join("; ", whileFull.Select(a => a.Delivered ? "200 PFX" : a.ToString()))}");
            Assert.True(
                whileFull.Any(a => !a.Delivered),
                $"The full disk never reached the database: every collect succeeded with {volume.Available} bytes left. (SQLite appends to its " +
                "write-ahead log until a checkpoint at 1,000 pages, then writes over the log's own space: a log that had been checkpointed before the " +
                "filler came needs no new space.) The test did not test a full disk.");

            volume.Drain();
            var settled = await FaultDrill.SettledAsync(admin, tickets);
            output.WriteLine($"After the space returned: {FaultDrill.Describe(settled)}");
            Assert.All(settled, s => Assert.True(s.Value is "AwaitingIssue" or "Completed", $"Request {s.Key} is {s.Value}: a failed collection returns to AwaitingIssue, a released one is Completed."));

            var afterwards = new List<FaultDrill.Answer>();
            foreach (var ticket in tickets.Where(t => settled[t.RequestId] == "AwaitingIssue"))
            {
                var answer = await FaultDrill.CollectAsync(carol, ticket.RequestId);
                Assert.True(answer.Delivered, $"Request {ticket.RequestId} is collected once the space returned: {answer}");
                afterwards.Add(answer);
            }

            var answers = whileFull.Concat(afterwards).ToList();
            foreach (var answer in answers.Where(a => a.Delivered))
            {
                FaultDrill.AssertPfxOpens(answer, tickets.Single(t => t.RequestId == answer.RequestId));
            }

            output.WriteLine($"Histories:\n{await FaultDrill.HistoriesAsync(admin, tickets)}");
            await FaultDrill.AssertEveryReleaseAuditedAsync(admin, tickets, answers);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            throw new XunitException($"{ex.Message}\n\n--- keyward server ---\n{server?.Output}", ex);
        }
        finally
        {
            if (server is not null)
            {
                await server.DisposeAsync();
            }
        }
    }
}
