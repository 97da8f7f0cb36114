using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Keyward.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class PeopleLogonNameCarriesGroup : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_People_LogonName_GroupId",
                table: "People",
                columns: new[] { "LogonName", "GroupId" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_People_LogonName_GroupId",
                table: "People");
        }
    }
}
