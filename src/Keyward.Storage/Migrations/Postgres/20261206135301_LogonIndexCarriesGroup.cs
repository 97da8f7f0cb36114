using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Keyward.Storage.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class LogonIndexCarriesGroup : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // The unique logon-name index carries each person's group, so a wide reach's page is found from the index
            // alone (docs/scopes.md#finding-people). SQLite has no INCLUDE; its lists read the (GroupId, LogonName) index.
            migrationBuilder.DropIndex(
                name: "IX_People_LogonName",
                table: "People");

            migrationBuilder.CreateIndex(
                name: "IX_People_LogonName",
                table: "People",
                column: "LogonName",
                unique: true)
                .Annotation("Npgsql:IndexInclude", new[] { "GroupId" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_People_LogonName",
                table: "People");

            migrationBuilder.CreateIndex(
                name: "IX_People_LogonName",
                table: "People",
                column: "LogonName",
                unique: true);
        }
    }
}
