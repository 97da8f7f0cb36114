using Keyward.Storage.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;

namespace Keyward.Storage.Tests;

/// <summary>The real migrations of each provider, applied to an empty database.</summary>
public abstract class MigrationTests(ITestDatabaseSource source) : StorageTestBase(source)
{
    protected override bool StartWithSchema => false;

    [Fact]
    public async Task MigrateKeywardDatabaseAsync_EmptyDatabase_AppliesEveryMigration()
    {
        await Services.MigrateKeywardDatabaseAsync(CancellationToken.None);

        await using var scope = NewScope();
        var db = DbOf(scope);
        Assert.Empty(await db.Database.GetPendingMigrationsAsync());
        Assert.Equal(db.Database.GetMigrations(), await db.Database.GetAppliedMigrationsAsync());
        Assert.NotEmpty(db.Database.GetMigrations());
    }

    [Fact]
    public async Task MigrateKeywardDatabaseAsync_RunTwice_IsANoOp()
    {
        await Services.MigrateKeywardDatabaseAsync(CancellationToken.None);
        await Services.MigrateKeywardDatabaseAsync(CancellationToken.None);

        await using var scope = NewScope();
        Assert.Empty(await DbOf(scope).Database.GetPendingMigrationsAsync());
    }

    [Fact]
    public async Task MigrateKeywardDatabaseAsync_PeopleFromBeforeSearchNames_GetTheirNamesLoweredAsDotNetDoes()
    {
        await using (var scope = NewScope())
        {
            var db = DbOf(scope);
            await db.GetInfrastructure().GetRequiredService<IMigrator>().MigrateAsync("DirectorySync");
            await db.Database.ExecuteSqlRawAsync("""INSERT INTO "Groups" ("Id", "Name", "ParentId", "Path") VALUES ('g-acme', 'Acme', NULL, 'Acme')""");
            await db.Database.ExecuteSqlRawAsync("""
                INSERT INTO "People" ("Id", "LogonName", "Name", "Email", "GroupId", "Enabled", "PasswordHash", "DirectoryId")
                VALUES ('p-zoe', 'zoe', '  ZOË Ångström ', 'zoe@acme.example', 'g-acme', TRUE, NULL, NULL)
                """);
        }

        // The ScaleIndexes migration fills SearchName in SQL: SQLite's own lower() would leave "Ë" and "Å" as they are.
        await Services.MigrateKeywardDatabaseAsync(CancellationToken.None);

        await using var after = NewScope();
        var searchName = await DbOf(after).Database.SqlQueryRaw<string>("""SELECT "SearchName" AS "Value" FROM "People" WHERE "Id" = 'p-zoe'""").SingleAsync();
        Assert.Equal("zoë ångström", searchName);
    }

    [Fact]
    public async Task HasPendingModelChanges_ProviderMigrations_MatchTheModel()
    {
        await using var scope = NewScope();
        var db = DbOf(scope);

        // A model change without a new migration for this provider fails here: run `dotnet ef migrations add`.
        Assert.False(db.Database.HasPendingModelChanges(), $"The model has changes that no {Provider} migration captures.");
    }

    [Fact]
    public async Task AddKeywardStorage_Provider_UsesThatProvidersContextAndMigrations()
    {
        await using var scope = NewScope();
        var db = DbOf(scope);
        var migrationsAssembly = db.GetInfrastructure().GetRequiredService<IMigrationsAssembly>();

        var (contextType, migrationsNamespace) = Provider switch
        {
            DatabaseProvider.Sqlite => (typeof(SqliteKeywardDbContext), "Keyward.Storage.Migrations.Sqlite"),
            _ => (typeof(PostgresKeywardDbContext), "Keyward.Storage.Migrations.Postgres"),
        };
        Assert.IsType(contextType, db);
        Assert.All(migrationsAssembly.Migrations.Values, m => Assert.Equal(migrationsNamespace, m.Namespace));
        Assert.Equal(migrationsNamespace, migrationsAssembly.ModelSnapshot?.GetType().Namespace);
    }
}

[Collection(OnSqlite.Name)]
public sealed class SqliteMigrationTests(SqliteDatabases databases) : MigrationTests(databases)
{
    [Fact]
    public async Task EveryConnection_HasThePageCacheTheOptionsAskFor()
    {
        // Two units of work, each on a connection from the pool: each has the configured cache, not SQLite's 2 MB.
        for (var i = 0; i < 2; i++)
        {
            await using var scope = NewScope();
            var db = DbOf(scope);
            await db.Database.OpenConnectionAsync();
            await using var command = db.Database.GetDbConnection().CreateCommand();
            command.CommandText = "PRAGMA cache_size;";
            Assert.Equal(-StorageOptions.DefaultSqliteCacheMegabytes * 1024L, Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    [Fact]
    public void AddKeywardStorage_PageCacheOutOfRange_RefusesWithTheSettingsName()
    {
        var refused = Assert.Throws<InvalidOperationException>(() =>
            new ServiceCollection().AddKeywardStorage(new StorageOptions { SqliteCacheMegabytes = 0 }, Path.GetTempPath()));
        Assert.Contains("Keyward:Database:SqliteCacheMegabytes", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OptimizeKeywardDatabaseAsync_PeopleImportedSinceTheMigration_GivesThePlannerTheirStatistics()
    {
        await Services.MigrateKeywardDatabaseAsync(CancellationToken.None);
        await using (var scope = NewScope())
        {
            var db = DbOf(scope);
            await db.Database.ExecuteSqlRawAsync("""INSERT INTO "Groups" ("Id", "Name", "ParentId", "Path") VALUES ('g-acme', 'Acme', NULL, 'Acme')""");
            await db.Database.ExecuteSqlRawAsync("""
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000)
                INSERT INTO "People" ("Id", "LogonName", "Name", "Email", "GroupId", "Enabled", "SearchName")
                SELECT 'p-' || i, 'person' || i, 'Person ' || i, 'person' || i || '@acme.example', 'g-acme', 1, 'person ' || i FROM n
                """);
        }

        await Services.OptimizeKeywardDatabaseAsync(CancellationToken.None);

        // What SQLite's planner weighs a Division's people list by (docs/operations.md, "Database statistics").
        await using var after = NewScope();
        var stat = await DbOf(after).Database
            .SqlQueryRaw<string>("""SELECT "stat" AS "Value" FROM "sqlite_stat1" WHERE "tbl" = 'People' AND "idx" = 'IX_People_LogonName_GroupId'""")
            .SingleOrDefaultAsync();
        Assert.NotNull(stat);
        Assert.StartsWith("5000 ", stat, StringComparison.Ordinal);
    }
}

[Collection(OnPostgres.Name)]
public sealed class PostgresMigrationTests(PostgresServer server) : MigrationTests(server)
{
    [Fact]
    public async Task MigrateKeywardDatabaseAsync_RequestsTargetGroup_KeepsTenMostCommonValues()
    {
        await Services.MigrateKeywardDatabaseAsync(CancellationToken.None);

        // What the planner weighs each group of a wide reach against (migration RequestTargetGroupFewerStatistics).
        await using var scope = NewScope();
        var target = await DbOf(scope).Database
            .SqlQueryRaw<int>("""SELECT "attstattarget"::int AS "Value" FROM "pg_attribute" WHERE "attrelid" = '"Requests"'::regclass AND "attname" = 'TargetGroupId'""")
            .SingleAsync();
        Assert.Equal(10, target);
    }
}
