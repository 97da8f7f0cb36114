namespace Keyward.Storage.Tests.Infrastructure;

/// <summary>
/// The tests that run on the shared <see cref="PostgresServer"/>: initdb runs once per test run, and each
/// test still gets its own database.
/// </summary>
[CollectionDefinition(Name)]
public sealed class OnPostgres : ICollectionFixture<PostgresServer>
{
    public const string Name = "PostgreSQL";
}

/// <summary>The tests that run on SQLite files made from one migrated template per test run.</summary>
[CollectionDefinition(Name)]
public sealed class OnSqlite : ICollectionFixture<SqliteDatabases>
{
    public const string Name = "SQLite";
}
