using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Custos.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class BackupStorage : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "OrganizationDataKeys",
                columns: table => new
                {
                    OrganizationId = table.Column<Guid>(type: "TEXT", nullable: false),
                    KeyId = table.Column<Guid>(type: "TEXT", nullable: false),
                    KekId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    WrappedKey = table.Column<byte[]>(type: "BLOB", maxLength: 64, nullable: true),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    DestroyedAt = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_OrganizationDataKeys", x => x.OrganizationId);
                });

            migrationBuilder.CreateTable(
                name: "StoragePurges",
                columns: table => new
                {
                    OrganizationId = table.Column<Guid>(type: "TEXT", nullable: false),
                    KeyId = table.Column<Guid>(type: "TEXT", nullable: true),
                    DestroyedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    PacksDeleted = table.Column<int>(type: "INTEGER", nullable: false),
                    BytesDeleted = table.Column<long>(type: "INTEGER", nullable: false),
                    TestDecryption = table.Column<string>(type: "TEXT", nullable: false),
                    Certificate = table.Column<string>(type: "TEXT", nullable: true),
                    IssuedAt = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_StoragePurges", x => x.OrganizationId);
                });

            migrationBuilder.CreateTable(
                name: "StoredChunks",
                columns: table => new
                {
                    OrganizationId = table.Column<Guid>(type: "TEXT", nullable: false),
                    BlobId = table.Column<byte[]>(type: "BLOB", maxLength: 32, nullable: false),
                    Seq = table.Column<int>(type: "INTEGER", nullable: false),
                    Pack = table.Column<int>(type: "INTEGER", nullable: false),
                    Offset = table.Column<long>(type: "INTEGER", nullable: false),
                    Length = table.Column<int>(type: "INTEGER", nullable: false),
                    PlainLength = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_StoredChunks", x => new { x.OrganizationId, x.BlobId, x.Seq });
                });

            migrationBuilder.CreateTable(
                name: "StoredMessages",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    OrganizationId = table.Column<Guid>(type: "TEXT", nullable: false),
                    ContentHash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    BlobId = table.Column<byte[]>(type: "BLOB", maxLength: 32, nullable: false),
                    LogicalBytes = table.Column<long>(type: "INTEGER", nullable: false),
                    StoredBytesAdded = table.Column<long>(type: "INTEGER", nullable: false),
                    AttachmentsStored = table.Column<int>(type: "INTEGER", nullable: false),
                    AttachmentsDeduplicated = table.Column<int>(type: "INTEGER", nullable: false),
                    StoredAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_StoredMessages", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_StoredChunks_OrganizationId_Pack_Offset",
                table: "StoredChunks",
                columns: new[] { "OrganizationId", "Pack", "Offset" });

            migrationBuilder.CreateIndex(
                name: "IX_StoredMessages_OrganizationId_ContentHash",
                table: "StoredMessages",
                columns: new[] { "OrganizationId", "ContentHash" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "OrganizationDataKeys");

            migrationBuilder.DropTable(
                name: "StoragePurges");

            migrationBuilder.DropTable(
                name: "StoredChunks");

            migrationBuilder.DropTable(
                name: "StoredMessages");
        }
    }
}
