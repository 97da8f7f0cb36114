using Keyward.People;
using Keyward.Scopes;
using Keyward.Storage.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Keyward.Storage.Tests.People;

/// <summary>
/// What a reach's filter puts into the statement the database plans (<see cref="Reach.Filter{T}"/>,
/// docs/scopes.md#finding-people): a wide reach's groups are written into its statement, so that a plan PostgreSQL
/// keeps for a prepared statement is made for those groups; a narrow reach's groups and the caller's id are
/// parameters, so that one statement serves every such reach.
/// </summary>
public abstract class ReachStatementTests(ITestDatabaseSource source) : StorageTestBase(source)
{
    private const string Caller = "caller-outside-the-groups";

    [Fact]
    public async Task Filter_WideReach_WritesItsGroupsIntoTheStatement_OneStatementPerReach()
    {
        var wide = Groups("wide-a", Reach.NarrowGroups + 1);
        var other = Groups("wide-b", Reach.NarrowGroups + 1);
        await using var scope = NewScope();
        var db = DbOf(scope);

        var statement = Statement(db, new Reach(false, wide, Caller));
        var otherStatement = Statement(db, new Reach(false, other, Caller));

        Assert.All(wide, group => Assert.Contains($"'{group}'", statement, StringComparison.Ordinal));
        Assert.DoesNotContain(Caller, statement, StringComparison.Ordinal);
        Assert.NotEqual(statement, otherStatement);
    }

    [Fact]
    public async Task Filter_NarrowReach_PassesItsGroupsAsAParameter_OneStatementForEveryNarrowReach()
    {
        var narrow = Groups("narrow-a", Reach.NarrowGroups);
        var other = Groups("narrow-b", 1);
        await using var scope = NewScope();
        var db = DbOf(scope);

        var statement = Statement(db, new Reach(false, narrow, Caller));
        var otherStatement = Statement(db, new Reach(false, other, Caller));

        Assert.All(narrow, group => Assert.DoesNotContain(group, statement, StringComparison.Ordinal));
        Assert.DoesNotContain(Caller, statement, StringComparison.Ordinal);
        Assert.Equal(statement, otherStatement);
    }

    private static readonly PersonColumns<Person> Columns = new(p => p.GroupId, p => p.Id);

    private static HashSet<string> Groups(string prefix, int count) =>
        [.. Enumerable.Range(1, count).Select(i => $"{prefix}-group-{i:00}")];

    /// <summary>
    /// The SQL of a people query filtered by the reach, without the parameter values that
    /// <see cref="EntityFrameworkQueryableExtensions.ToQueryString"/> prints before it (SQLite's <c>.param set</c>
    /// lines, PostgreSQL's <c>--</c> comments): the text the database parses and plans.
    /// </summary>
    private static string Statement(KeywardDbContext db, Reach reach)
    {
        var text = db.People.Where(reach.Filter(Columns)).Select(p => p.Id).ToQueryString();
        return string.Join('\n', text.Split('\n').Where(line => !line.StartsWith(".param", StringComparison.Ordinal) && !line.StartsWith("--", StringComparison.Ordinal)));
    }
}

[Collection(OnSqlite.Name)]
public sealed class SqliteReachStatementTests(SqliteDatabases databases) : ReachStatementTests(databases);

[Collection(OnPostgres.Name)]
public sealed class PostgresReachStatementTests(PostgresServer server) : ReachStatementTests(server);
