using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Keyward.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class RecoveryHardening : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "CollectionHolder",
                table: "Requests",
                type: "TEXT",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "LastReleasedAt",
                table: "Requests",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "LastReleasedTo",
                table: "Requests",
                type: "TEXT",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "Releases",
                table: "Requests",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<int>(
                name: "ReleasesAllowed",
                table: "Requests",
                type: "INTEGER",
                nullable: false,
                defaultValue: 2);

            migrationBuilder.AddColumn<int>(
                name: "MaxReleases",
                table: "CredentialProfiles",
                type: "INTEGER",
                nullable: false,
                defaultValue: 2);

            migrationBuilder.CreateTable(
                name: "CertificateClaims",
                columns: table => new
                {
                    CertificateId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    RequestId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_CertificateClaims", x => x.CertificateId);
                    table.ForeignKey(
                        name: "FK_CertificateClaims_Requests_RequestId",
                        column: x => x.RequestId,
                        principalTable: "Requests",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "ServerLeases",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Host = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    StartedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    ExpiresAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ServerLeases", x => x.Id);
                });

            // Requests outstanding before this migration take their claims now (the oldest request wins a certificate
            // that two of them named), so the rule holds for them too.
            migrationBuilder.Sql(
                """
                INSERT INTO "CertificateClaims" ("CertificateId", "RequestId")
                SELECT rc."CertificateId", MIN(rc."RequestId")
                FROM "RequestCertificates" rc
                JOIN "Requests" r ON r."Id" = rc."RequestId"
                WHERE r."Status" IN (1, 2, 3)
                GROUP BY rc."CertificateId";
                """);

            migrationBuilder.CreateIndex(
                name: "IX_Requests_CollectionHolder",
                table: "Requests",
                column: "CollectionHolder");

            migrationBuilder.CreateIndex(
                name: "IX_CertificateClaims_RequestId",
                table: "CertificateClaims",
                column: "RequestId");

            migrationBuilder.CreateIndex(
                name: "IX_ServerLeases_ExpiresAt",
                table: "ServerLeases",
                column: "ExpiresAt");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "CertificateClaims");

            migrationBuilder.DropTable(
                name: "ServerLeases");

            migrationBuilder.DropIndex(
                name: "IX_Requests_CollectionHolder",
                table: "Requests");

            migrationBuilder.DropColumn(
                name: "CollectionHolder",
                table: "Requests");

            migrationBuilder.DropColumn(
                name: "LastReleasedAt",
                table: "Requests");

            migrationBuilder.DropColumn(
                name: "LastReleasedTo",
                table: "Requests");

            migrationBuilder.DropColumn(
                name: "Releases",
                table: "Requests");

            migrationBuilder.DropColumn(
                name: "ReleasesAllowed",
                table: "Requests");

            migrationBuilder.DropColumn(
                name: "MaxReleases",
                table: "CredentialProfiles");
        }
    }
}
