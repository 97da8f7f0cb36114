using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Keyward.Storage;

// Used only by `dotnet ef migrations add`: the connection strings are never opened.
internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteKeywardDbContext>
{
    public SqliteKeywardDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteKeywardDbContext>().UseSqlite("Data Source=design.db").Options);
}

internal sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresKeywardDbContext>
{
    public PostgresKeywardDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresKeywardDbContext>().UseNpgsql("Host=localhost;Database=keyward_design").Options);
}
