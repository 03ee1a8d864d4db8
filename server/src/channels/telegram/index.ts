export { ChannelPost, createChannelPoster, type ChannelPoster } from './channel-post';
export { createTelegram, languageOf, telegramRoutes, type Telegram } from './telegram';
