/** S3-compatible object storage for backups: the AWS SDK, loaded on first use, with our checks on top. */
export {
  type ExpectedObject,
  type ObjectInfo,
  type ObjectSummary,
  PART_SIZE,
  parseS3Url,
  S3ChecksumError,
  S3Client,
  type S3ClientOptions,
  type S3Config,
  S3Error,
  s3ConfigFromRemote,
  type UploadResult,
} from './client.ts';
