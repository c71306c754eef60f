/** S3-compatible object storage: a small client (no AWS SDK) and its Signature V4 signer. */
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
export { type Credentials, signRequest } from './sigv4.ts';
