using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Keyward.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class AccessEpoch : Migration
    {
        private static readonly string[] AccessTables = ["People", "Groups", "Roles", "RoleAssignment"];

        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "AccessEpochs",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false),
                    Value = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AccessEpochs", x => x.Id);
                });

            migrationBuilder.InsertData(
                table: "AccessEpochs",
                columns: new[] { "Id", "Value" },
                values: new object[] { 1, 0L });

            // Any change to who may do what raises the epoch in the same transaction (docs/architecture.md, "Resolving the caller").
            foreach (var table in AccessTables)
            {
                foreach (var change in new[] { "INSERT", "UPDATE", "DELETE" })
                {
                    migrationBuilder.Sql($"CREATE TRIGGER \"AccessEpoch_{table}_{change}\" AFTER {change} ON \"{table}\" BEGIN UPDATE \"AccessEpochs\" SET \"Value\" = \"Value\" + 1 WHERE \"Id\" = 1; END;");
                }
            }
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            foreach (var table in AccessTables)
            {
                foreach (var change in new[] { "INSERT", "UPDATE", "DELETE" })
                {
                    migrationBuilder.Sql($"DROP TRIGGER \"AccessEpoch_{table}_{change}\";");
                }
            }

            migrationBuilder.DropTable(
                name: "AccessEpochs");
        }
    }
}
