# Keras 2 whole-model HDF5 files (what model.save('x.h5') and ModelCheckpoint write: the model_config
# JSON as a root attribute, the weights under model_weights/ with layer_names and weight_names
# attributes, as keras/saving/legacy/hdf5_format.py lays them out), written with h5py, and the label
# maps of the same networks computed in PyTorch from the same weights, with TF's padding rules
# written out, as the reference: the fixtures of test/io/keras_import.test.ts. No Keras or
# TensorFlow here: the layer configs are the keys Keras 2.12's get_config() writes.
#   - unet_tutorial.h5: a Functional model in the shape of TensorFlow's segmentation tutorial: a
#     nested Functional encoder with two outputs, a nested Sequential upsampling block
#     (Conv2DTranspose stride 2 'same', BatchNormalization, ReLU), Concatenate, Dropout, a 1x1
#     Conv2D with a softmax activation; 96x128 RGB scaled to 0..1. Reference: Pillow BILINEAR to
#     128x96, the argmax, Pillow NEAREST back to the photo.
#   - isk_sequential.h5: a Sequential model as image-segmentation-keras ends its models: ZeroPadding2D
#     and a valid Conv2D, an even-sized 'same' Conv2D (TF pads after), scores at half the input
#     Reshaped to (h * w, C) and an Activation softmax. Reference: image-segmentation-keras's predict
#     (cv2.resize, sub_mean, the argmax at half size, cv2 INTER_NEAREST back).
#   - deeplab_style.h5: a Functional model as keras.io's DeepLabV3+ example writes one: tf.nn.relu
#     called on tensors (TFOpLambda layers), a strided 'same' Conv2D, a dilated Conv2D, image pooling
#     (AveragePooling2D over the whole map) upsampled bilinearly (UpSampling2D, half-pixel centres on
#     TensorFlow 2), the logits upsampled bilinearly to the input; [-1, 1] input. Reference: Pillow
#     BILINEAR to 64x64, the argmax, Pillow NEAREST back.
# Rerun (Debian python3-h5py, python3-torch, python3-opencv, python3-pil; no network):
#   /usr/bin/python3 bench/keras_export.py test/fixtures/keras
import json, os, sys
import cv2
import h5py
import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
sys.path.insert(0, os.path.dirname(__file__))
from torch_exports import NEAR, packed  # noqa: E402
import keras3_from_h5  # noqa: E402

OUT = sys.argv[1] if len(sys.argv) > 1 else 'test/fixtures/keras'
PHOTOS = ['assets/photos/chelsea.png', 'assets/photos/coffee.png']
rng = np.random.default_rng(20261207)
torch.set_grad_enabled(False)

INIT = {'kernel_initializer': {'class_name': 'GlorotUniform', 'config': {'seed': None}}, 'bias_initializer': {'class_name': 'Zeros', 'config': {}},
        'kernel_regularizer': None, 'bias_regularizer': None, 'activity_regularizer': None, 'kernel_constraint': None, 'bias_constraint': None}


def layer(cls, name, cfg, inbound):
    """A Keras 2 functional layer entry: inbound is a list of (layer, node, tensor) of one call."""
    return {'class_name': cls, 'config': {'name': name, 'trainable': True, 'dtype': 'float32', **cfg}, 'name': name,
            'inbound_nodes': [[[n, i, t, {}] for n, i, t in inbound]] if inbound else []}


def input_layer(name, shape):
    return {'class_name': 'InputLayer', 'config': {'batch_input_shape': [None, *shape], 'dtype': 'float32', 'sparse': False, 'ragged': False, 'name': name}, 'name': name, 'inbound_nodes': []}


def conv(filters, k, padding='same', strides=1, activation='linear', use_bias=True):
    return {'filters': filters, 'kernel_size': [k, k], 'strides': [strides, strides], 'padding': padding, 'data_format': 'channels_last',
            'dilation_rate': [1, 1], 'groups': 1, 'activation': activation, 'use_bias': use_bias, **INIT}


def deconv(filters, k, strides):
    return {'filters': filters, 'kernel_size': [k, k], 'strides': [strides, strides], 'padding': 'same', 'data_format': 'channels_last',
            'dilation_rate': [1, 1], 'groups': 1, 'activation': 'linear', 'use_bias': True, 'output_padding': None, **INIT}


def bn():
    return {'axis': [3], 'momentum': 0.99, 'epsilon': 0.001, 'center': True, 'scale': True,
            'beta_initializer': {'class_name': 'Zeros', 'config': {}}, 'gamma_initializer': {'class_name': 'Ones', 'config': {}},
            'moving_mean_initializer': {'class_name': 'Zeros', 'config': {}}, 'moving_variance_initializer': {'class_name': 'Ones', 'config': {}},
            'beta_regularizer': None, 'gamma_regularizer': None, 'beta_constraint': None, 'gamma_constraint': None}


POOL = {'pool_size': [2, 2], 'padding': 'valid', 'strides': [2, 2], 'data_format': 'channels_last'}


def weights_conv(cin, cout, k):
    return {'kernel': (rng.standard_normal((k, k, cin, cout)) * np.sqrt(2 / (k * k * cin))).astype(np.float32),
            'bias': (rng.standard_normal(cout) * 0.1).astype(np.float32)}


def weights_bn(c):
    return {'gamma': (1 + 0.2 * rng.standard_normal(c)).astype(np.float32), 'beta': (0.1 * rng.standard_normal(c)).astype(np.float32),
            'moving_mean': (0.2 * rng.standard_normal(c)).astype(np.float32), 'moving_variance': (0.5 + rng.random(c)).astype(np.float32)}


def save(path, model_config, groups):
    """groups: [(outer layer name, [(weight name as Keras writes it, array), ...])] in model.layers order."""
    with h5py.File(path, 'w') as f:
        f.attrs['backend'] = 'tensorflow'
        f.attrs['keras_version'] = '2.12.0'
        f.attrs['model_config'] = json.dumps(model_config).encode('utf8')
        mw = f.create_group('model_weights')
        mw.attrs['layer_names'] = [n.encode('utf8') for n, _ in groups]
        mw.attrs['backend'] = b'tensorflow'
        mw.attrs['keras_version'] = b'2.12.0'
        for name, ws in sorted(groups, key=lambda g: g[0]):
            g = mw.create_group(name)
            g.attrs['weight_names'] = [w.encode('utf8') for w, _ in ws]
            for w, v in ws:
                g.create_dataset(w, v.shape, dtype=v.dtype)[...] = v


# ---- TF's arithmetic in PyTorch (NCHW) ----
def t(a):
    return torch.from_numpy(np.ascontiguousarray(a))


def tf_conv(x, w, padding='same', stride=1):
    k = w['kernel'].shape[0]
    if padding == 'same':
        total = max(k - stride, 0) if x.shape[-1] % stride == 0 else k - 1
        x = F.pad(x, (total // 2, total - total // 2, total // 2, total - total // 2))
    return F.conv2d(x, t(w['kernel'].transpose(3, 2, 0, 1)), t(w['bias']), stride=stride)


def tf_deconv_same(x, w, stride):
    # TF's transposed 'same' convolution: the transpose of a convolution of output in * stride
    # padded by k - stride, floor((k - stride) / 2) of it before: the full result cropped so.
    y = F.conv_transpose2d(x, t(w['kernel'].transpose(3, 2, 0, 1)), t(w['bias']), stride=stride)
    b = (w['kernel'].shape[0] - stride) // 2
    return y[:, :, b:b + x.shape[2] * stride, b:b + x.shape[3] * stride]


def tf_bn(x, w, eps=0.001):
    s = t(w['gamma']) / torch.sqrt(t(w['moving_variance']) + eps)
    return (x - t(w['moving_mean'])[:, None, None]) * s[:, None, None] + t(w['beta'])[:, None, None]


def near_mask(z):
    top = torch.topk(z, 2, dim=0).values
    return ((top[0] - top[1]) < NEAR).numpy()


def tutorial():
    H, W, C = 96, 128, 4
    enc = {'class_name': 'Functional', 'config': {'name': 'encoder', 'trainable': True, 'layers': [
        input_layer('input_2', [H, W, 3]),
        layer('Conv2D', 'enc_conv1', conv(8, 3, activation='relu'), [('input_2', 0, 0)]),
        layer('BatchNormalization', 'enc_bn1', bn(), [('enc_conv1', 0, 0)]),
        layer('MaxPooling2D', 'enc_pool1', POOL, [('enc_bn1', 0, 0)]),
        layer('Conv2D', 'enc_conv2', conv(16, 3, activation='relu'), [('enc_pool1', 0, 0)])],
        'input_layers': [['input_2', 0, 0]], 'output_layers': [['enc_bn1', 0, 0], ['enc_conv2', 0, 0]]},
        'name': 'encoder', 'inbound_nodes': [[['input_1', 0, 0, {}]]]}
    up = {'class_name': 'Sequential', 'config': {'name': 'sequential', 'layers': [
        {'class_name': 'InputLayer', 'config': {'batch_input_shape': [None, H // 2, W // 2, 16], 'dtype': 'float32', 'sparse': False, 'ragged': False, 'name': 'conv2d_transpose_input'}},
        {'class_name': 'Conv2DTranspose', 'config': {'name': 'up_deconv', 'trainable': True, 'dtype': 'float32', **deconv(8, 3, 2)}},
        {'class_name': 'BatchNormalization', 'config': {'name': 'up_bn', 'trainable': True, 'dtype': 'float32', **bn()}},
        {'class_name': 'ReLU', 'config': {'name': 'up_relu', 'trainable': True, 'dtype': 'float32', 'max_value': None, 'negative_slope': 0.0, 'threshold': 0.0}}]},
        'name': 'sequential', 'inbound_nodes': [[['encoder', 1, 1, {}]]]}
    cfg = {'class_name': 'Functional', 'config': {'name': 'model', 'trainable': True, 'layers': [
        input_layer('input_1', [H, W, 3]), enc, up,
        layer('Concatenate', 'concatenate', {'axis': -1}, [('sequential', 1, 0), ('encoder', 1, 0)]),
        layer('Dropout', 'dropout', {'rate': 0.3, 'noise_shape': None, 'seed': None}, [('concatenate', 0, 0)]),
        layer('Conv2D', 'logits_conv', conv(C, 1, activation='softmax'), [('dropout', 0, 0)])],
        'input_layers': [['input_1', 0, 0]], 'output_layers': [['logits_conv', 0, 0]]}}
    w = {'enc_conv1': weights_conv(3, 8, 3), 'enc_bn1': weights_bn(8), 'enc_conv2': weights_conv(8, 16, 3),
         'up_deconv': {'kernel': (rng.standard_normal((3, 3, 8, 16)) * 0.2).astype(np.float32), 'bias': (0.1 * rng.standard_normal(8)).astype(np.float32)},
         'up_bn': weights_bn(8), 'logits_conv': weights_conv(16, C, 1)}
    order = lambda names, kinds: [(f'{n}/{k}:0', w[n][k]) for n in names for k in kinds[n]]
    kinds = {n: (['gamma', 'beta', 'moving_mean', 'moving_variance'] if 'bn' in n else ['kernel', 'bias']) for n in w}
    save(os.path.join(OUT, 'unet_tutorial.h5'), cfg, [
        ('input_1', []), ('encoder', order(['enc_conv1', 'enc_bn1', 'enc_conv2'], kinds)), ('sequential', order(['up_deconv', 'up_bn'], kinds)),
        ('concatenate', []), ('dropout', []), ('logits_conv', order(['logits_conv'], kinds))])

    def net(x):
        a = tf_bn(torch.relu(tf_conv(x, w['enc_conv1'])), w['enc_bn1'])
        b = torch.relu(tf_conv(F.max_pool2d(a, 2), w['enc_conv2']))
        u = torch.relu(tf_bn(tf_deconv_same(b, w['up_deconv'], 2), w['up_bn']))
        return tf_conv(torch.cat([u, a], 1), w['logits_conv'])  # logits: the softmax keeps the argmax
    cases = []
    for p in PHOTOS:
        img = Image.open(p).convert('RGB')
        x = torch.from_numpy(np.asarray(img.resize((W, H), Image.BILINEAR)).astype(np.float32) / 255).permute(2, 0, 1)[None]
        z = net(x)[0]
        small = z.argmax(0).to(torch.uint8).numpy()
        labels = np.asarray(Image.fromarray(small).resize(img.size, Image.NEAREST))
        near = np.asarray(Image.fromarray(near_mask(z).astype(np.uint8)).resize(img.size, Image.NEAREST)).astype(bool)
        cases.append({'model': 'unet_tutorial', **packed(labels, near, os.path.basename(p), 'Pillow in and back, 0..1 input')})
    return cases


def isk_sequential():
    H, W, C = 64, 96, 3
    L = lambda cls, name, cfg: {'class_name': cls, 'config': {'name': name, 'trainable': True, 'dtype': 'float32', **cfg}}
    cfg = {'class_name': 'Sequential', 'config': {'name': 'sequential', 'layers': [
        {'class_name': 'InputLayer', 'config': {'batch_input_shape': [None, H, W, 3], 'dtype': 'float32', 'sparse': False, 'ragged': False, 'name': 'input_1'}},
        L('Conv2D', 'conv2d', conv(8, 3, activation='relu')),
        L('ZeroPadding2D', 'zero_padding2d', {'padding': [[1, 1], [1, 1]], 'data_format': 'channels_last'}),
        L('Conv2D', 'conv2d_1', conv(8, 3, padding='valid', activation='relu')),
        L('MaxPooling2D', 'max_pooling2d', POOL),
        L('UpSampling2D', 'up_sampling2d', {'size': [2, 2], 'data_format': 'channels_last', 'interpolation': 'nearest'}),
        L('Conv2D', 'conv2d_2', conv(8, 2, activation='relu')),
        L('MaxPooling2D', 'max_pooling2d_1', POOL),
        L('Conv2D', 'conv2d_3', conv(C, 3)),
        L('Reshape', 'reshape', {'target_shape': [H // 2 * W // 2, -1]}),
        L('Activation', 'activation', {'activation': 'softmax'})]}}
    w = {'conv2d': weights_conv(3, 8, 3), 'conv2d_1': weights_conv(8, 8, 3), 'conv2d_2': weights_conv(8, 8, 2), 'conv2d_3': weights_conv(8, C, 3)}
    names = ['conv2d', 'zero_padding2d', 'conv2d_1', 'max_pooling2d', 'up_sampling2d', 'conv2d_2', 'max_pooling2d_1', 'conv2d_3', 'reshape', 'activation']
    save(os.path.join(OUT, 'isk_sequential.h5'), cfg, [(n, [(f'{n}/{k}:0', w[n][k]) for k in ['kernel', 'bias']] if n in w else []) for n in names])

    def net(x):
        y = torch.relu(tf_conv(x, w['conv2d']))
        y = torch.relu(tf_conv(F.pad(y, (1, 1, 1, 1)), w['conv2d_1'], padding='valid'))
        y = F.interpolate(F.max_pool2d(y, 2), scale_factor=2.0, mode='nearest')
        y = F.max_pool2d(torch.relu(tf_conv(y, w['conv2d_2'])), 2)
        return tf_conv(y, w['conv2d_3'])
    cases = []
    for p in PHOTOS:
        bgr = cv2.imread(p, cv2.IMREAD_COLOR)
        x = cv2.resize(bgr, (W, H)).astype(np.float32)
        for i, m in enumerate([103.939, 116.779, 123.68]):
            x[:, :, i] -= m
        z = net(torch.from_numpy(x[:, :, ::-1].copy()).permute(2, 0, 1)[None])[0]
        oh, ow = bgr.shape[:2]
        labels = cv2.resize(z.argmax(0).to(torch.uint8).numpy(), (ow, oh), interpolation=cv2.INTER_NEAREST)
        near = cv2.resize(near_mask(z).astype(np.uint8), (ow, oh), interpolation=cv2.INTER_NEAREST).astype(bool)
        cases.append({'model': 'isk_sequential', **packed(labels, near, os.path.basename(p), 'image-segmentation-keras predict')})
    return cases


def deeplab_style():
    H = W = 64
    C = 4

    def tf_op(name, fn, src):
        # A TFOpLambda (tf.nn.relu(x) in the model's code): its node is the tensor's ref with the
        # other arguments as keyword arguments.
        return {'class_name': 'TFOpLambda', 'config': {'name': name, 'trainable': True, 'dtype': 'float32', 'function': fn},
                'name': name, 'inbound_nodes': [[src, 0, 0, {'name': None}]]}
    dil = dict(conv(16, 3), dilation_rate=[2, 2])
    cfg = {'class_name': 'Functional', 'config': {'name': 'deeplab', 'trainable': True, 'layers': [
        input_layer('input_1', [H, W, 3]),
        layer('Conv2D', 'stem', conv(16, 3, strides=2), [('input_1', 0, 0)]),
        layer('BatchNormalization', 'stem_bn', bn(), [('stem', 0, 0)]),
        tf_op('tf.nn.relu', 'nn.relu', 'stem_bn'),
        layer('Conv2D', 'atrous', dil, [('tf.nn.relu', 0, 0)]),
        layer('BatchNormalization', 'atrous_bn', bn(), [('atrous', 0, 0)]),
        tf_op('tf.nn.relu_1', 'nn.relu', 'atrous_bn'),
        layer('AveragePooling2D', 'image_pool', {'pool_size': [H // 2, W // 2], 'padding': 'valid', 'strides': [H // 2, W // 2], 'data_format': 'channels_last'}, [('tf.nn.relu_1', 0, 0)]),
        layer('Conv2D', 'pool_conv', conv(8, 1, activation='relu'), [('image_pool', 0, 0)]),
        layer('UpSampling2D', 'pool_up', {'size': [H // 2, W // 2], 'data_format': 'channels_last', 'interpolation': 'bilinear'}, [('pool_conv', 0, 0)]),
        layer('Concatenate', 'concatenate', {'axis': -1}, [('tf.nn.relu_1', 0, 0), ('pool_up', 0, 0)]),
        layer('Conv2D', 'classifier', conv(C, 1), [('concatenate', 0, 0)]),
        layer('UpSampling2D', 'up', {'size': [2, 2], 'data_format': 'channels_last', 'interpolation': 'bilinear'}, [('classifier', 0, 0)])],
        'input_layers': [['input_1', 0, 0]], 'output_layers': [['up', 0, 0]]}}
    w = {'stem': weights_conv(3, 16, 3), 'stem_bn': weights_bn(16), 'atrous': weights_conv(16, 16, 3), 'atrous_bn': weights_bn(16),
         'pool_conv': weights_conv(16, 8, 1), 'classifier': weights_conv(24, C, 1)}
    names = ['input_1', 'stem', 'stem_bn', 'tf.nn.relu', 'atrous', 'atrous_bn', 'tf.nn.relu_1', 'image_pool', 'pool_conv', 'pool_up', 'concatenate', 'classifier', 'up']
    kinds = lambda n: ['gamma', 'beta', 'moving_mean', 'moving_variance'] if n.endswith('_bn') else ['kernel', 'bias']
    save(os.path.join(OUT, 'deeplab_style.h5'), cfg, [(n, [(f'{n}/{k}:0', w[n][k]) for k in kinds(n)] if n in w else []) for n in names])

    def net(x):
        y = torch.relu(tf_bn(tf_conv(x, w['stem'], stride=2), w['stem_bn']))
        k = w['atrous']['kernel']
        y = torch.relu(tf_bn(F.conv2d(y, t(k.transpose(3, 2, 0, 1)), t(w['atrous']['bias']), padding=2, dilation=2), w['atrous_bn']))
        p = torch.relu(tf_conv(F.avg_pool2d(y, (H // 2, W // 2)), w['pool_conv']))
        # Keras 2 on TensorFlow 2: tf.image.resize, half-pixel centres (align_corners=False).
        p = F.interpolate(p, size=(H // 2, W // 2), mode='bilinear', align_corners=False)
        z = tf_conv(torch.cat([y, p], 1), w['classifier'])
        return F.interpolate(z, scale_factor=2.0, mode='bilinear', align_corners=False)
    cases = []
    for p in PHOTOS:
        img = Image.open(p).convert('RGB')
        x = torch.from_numpy(np.asarray(img.resize((W, H), Image.BILINEAR)).astype(np.float32) / 127.5 - 1).permute(2, 0, 1)[None]
        z = net(x)[0]
        labels = np.asarray(Image.fromarray(z.argmax(0).to(torch.uint8).numpy()).resize(img.size, Image.NEAREST))
        near = np.asarray(Image.fromarray(near_mask(z).astype(np.uint8)).resize(img.size, Image.NEAREST)).astype(bool)
        cases.append({'model': 'deeplab_style', **packed(labels, near, os.path.basename(p), 'Pillow in and back, [-1, 1] input')})
    return cases


def main():
    os.makedirs(OUT, exist_ok=True)
    cases = tutorial() + isk_sequential() + deeplab_style()
    # The same models as Keras 3 archives (the same weights, so the same reference).
    for name in ['unet_tutorial', 'isk_sequential', 'deeplab_style']:
        keras3_from_h5.convert(os.path.join(OUT, f'{name}.h5'), os.path.join(OUT, f'{name}.keras'))
    with open(os.path.join(OUT, 'reference.json'), 'w') as f:
        json.dump({'torch': torch.__version__, 'h5py': h5py.__version__, 'near': NEAR, 'cases': cases}, f)
    for c in cases:
        print(c['model'], c['image'], 'near-ties', c['nearCount'])


if __name__ == '__main__':
    main()
